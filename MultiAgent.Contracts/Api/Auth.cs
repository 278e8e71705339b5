namespace MultiAgent.Contracts.Api;

// POST /api/v1/auth/*: sign-up, sign-in, refresh and sign-out. Nullable fields so a missing one is a field error.

public sealed record RegisterRequest(string? Email, string? Password, string? DisplayName);

public sealed record RegisterResponse(string UserId, string Email, string? DisplayName);

public sealed record TokenRequest(string? Email, string? Password);

public sealed record RefreshTokenRequest(string? RefreshToken);

/// <summary>An access token (JWT, <see cref="ExpiresIn"/> seconds) and the refresh token that replaces it.</summary>
public sealed record TokenResponse(string AccessToken, string RefreshToken, string TokenType, int ExpiresIn);

/// <summary>The 429 body of the design document's "Rate Limit Response Strategy".</summary>
public sealed record RateLimitExceededResponse(string Error, string Message, long Limit, long Current, DateTimeOffset ResetAt, int RetryAfter);

/// <summary>GET /api/v1/users/{id} (and /users/me): a user's profile, as its owner or an admin sees it.</summary>
public sealed record UserProfile(string UserId, string Email, string? DisplayName, IReadOnlyList<string> Roles, DateTimeOffset CreatedAt);
