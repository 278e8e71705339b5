using System.Security.Claims;
using MultiAgent.Api.Auth;
using MultiAgent.Data.Identity;

namespace MultiAgent.Api.Identity;

/// <summary>Who is calling: the subject of the validated bearer token. Every task belongs to its caller.</summary>
public interface ICurrentUser
{
    string UserId { get; }

    /// <summary>An admin reads every user's tasks and the metrics.</summary>
    bool IsAdmin { get; }
}

public sealed class ClaimsCurrentUser(IHttpContextAccessor accessor) : ICurrentUser
{
    private ClaimsPrincipal Principal =>
        accessor.HttpContext?.User is { Identity.IsAuthenticated: true } user
            ? user
            : throw new InvalidOperationException("The caller is not authenticated: map the endpoint with RequireAuthorization().");

    public string UserId => Principal.FindFirstValue(AuthClaims.Subject)
        ?? throw new InvalidOperationException("The caller's token has no subject.");

    public bool IsAdmin => Principal.IsInRole(RoleNames.Admin);
}
