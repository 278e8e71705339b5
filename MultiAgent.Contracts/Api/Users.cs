namespace MultiAgent.Contracts.Api;

// GET /api/v1/users?ids=… (admin only): who owns the tasks an admin sees.

public sealed record UserSummary(string UserId, string? Email, string? DisplayName);

public sealed record UserListResponse(IReadOnlyList<UserSummary> Users);
