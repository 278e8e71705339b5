using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using MultiAgent.Api.Auth;
using MultiAgent.Contracts.Api;
using MultiAgent.Contracts.Validation;
using MultiAgent.Data;

namespace MultiAgent.Api.Apis;

/// <summary>GET /api/v1/users?ids=: who owns the tasks an admin sees (the Web's owner column).</summary>
public static class UserLookupApi
{
    /// <summary>As many ids as one task-list page can hold.</summary>
    public const int MaxIds = Paging.MaxLimit;

    public static IEndpointRouteBuilder MapUserLookupApi(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/api/v1/users").WithTags("Users")
            .MapGet("/", GetUsers)
            .WithName("GetUsers")
            .WithSummary("Email and display name of the given user ids, e.g. the owners on a page of tasks (admin only)")
            .RequireAuthorization(AuthPolicies.Admin)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden);
        return app;
    }

    /// <summary><c>?ids=user_a,user_b</c> (or <c>ids</c> repeated); unknown ids are left out of the answer.</summary>
    public static async Task<Results<Ok<UserListResponse>, ValidationProblem>> GetUsers(
        string[]? ids, MultiAgentDbContext db, CancellationToken cancellationToken)
    {
        var wanted = (ids ?? [])
            .SelectMany(i => i.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            .Distinct(StringComparer.Ordinal)
            .ToList();
        if (wanted.Count > MaxIds)
        {
            return Problems.Validation(new Dictionary<string, string[]> { ["ids"] = [$"Ask for at most {MaxIds} user ids at once."] });
        }
        if (wanted.FirstOrDefault(id => !UserIds.IsValid(id)) is { } invalid)
        {
            return Problems.Validation(new Dictionary<string, string[]> { ["ids"] = [$"User id '{invalid}' {UserIds.Rule}."] });
        }

        var users = wanted.Count == 0
            ? []
            : await db.Users.AsNoTracking()
                .Where(u => wanted.Contains(u.Id))
                .OrderBy(u => u.Email)
                .Select(u => new UserSummary(u.Id, u.Email, u.DisplayName))
                .ToListAsync(cancellationToken);
        return TypedResults.Ok(new UserListResponse(users));
    }
}
