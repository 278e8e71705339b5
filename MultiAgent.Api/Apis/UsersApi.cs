using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using MultiAgent.Api.Identity;
using MultiAgent.Api.Tasks;
using MultiAgent.Contracts.Api;
using MultiAgent.Data.Identity;

namespace MultiAgent.Api.Apis;

/// <summary>Users' profiles: the resource <c>POST /auth/register</c> creates (its Location) and the caller's own profile.</summary>
public static class UsersApi
{
    public static IEndpointRouteBuilder MapUsersApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/users")
            .WithTags("Users")
            .RequireAuthorization()
            .ProducesProblem(StatusCodes.Status401Unauthorized);

        api.MapGet("/me", GetMe)
            .WithName("GetCurrentUser")
            .WithSummary("The signed-in user's profile");
        api.MapGet("/{userId}", GetUser)
            .WithName("GetUser")
            .WithSummary("A user's profile (the user or an admin)")
            .ProducesProblem(StatusCodes.Status404NotFound);

        return app;
    }

    public static Task<Results<Ok<UserProfile>, ProblemHttpResult>> GetMe(ICurrentUser caller, UserManager<ApplicationUser> users) =>
        GetUser(caller.UserId, caller, users);

    public static async Task<Results<Ok<UserProfile>, ProblemHttpResult>> GetUser(string userId, ICurrentUser caller, UserManager<ApplicationUser> users)
    {
        // Another user's profile does not exist for a non-admin, exactly like another user's task.
        var user = caller.IsAdmin || userId == caller.UserId ? await users.FindByIdAsync(userId) : null;
        if (user is null)
        {
            return TypedResults.Problem(title: "User not found", detail: $"There is no user '{userId}' visible to the caller.",
                statusCode: StatusCodes.Status404NotFound);
        }

        var roles = await users.GetRolesAsync(user);
        return TypedResults.Ok(new UserProfile(user.Id, user.Email ?? "", user.DisplayName, [.. roles], Utc.ToOffset(user.CreatedAt)));
    }
}
