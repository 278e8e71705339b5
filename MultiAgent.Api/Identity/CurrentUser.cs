using Microsoft.Extensions.Primitives;
using MultiAgent.Api.Apis;
using MultiAgent.Contracts.Validation;

namespace MultiAgent.Api.Identity;

/// <summary>
/// Who is calling; every task belongs to its caller. Until authentication lands this is a development identity
/// (<see cref="DevelopmentIdentity"/>); authentication replaces the implementation with one that reads the signed-in
/// principal, and nothing that asks for the user changes.
/// </summary>
public interface ICurrentUser
{
    string UserId { get; }
}

public sealed class DevelopmentCurrentUser(IHttpContextAccessor accessor) : ICurrentUser
{
    public string UserId =>
        accessor.HttpContext is { } context && DevelopmentIdentity.TryResolve(context.Request.Headers[DevelopmentIdentity.HeaderName], default, out var userId, out _)
            ? userId
            : throw new InvalidOperationException("The caller's identity was not validated: map the endpoint in a group with RequireDevelopmentIdentity().");
}

/// <summary>
/// The development identity: the <c>X-User-Id</c> request header when present, else <see cref="UserIds.DevelopmentUser"/>.
/// The hub also takes a <c>user_id</c> query value, since browsers cannot set headers on a WebSocket.
/// </summary>
public static class DevelopmentIdentity
{
    public const string HeaderName = "X-User-Id";
    public const string QueryName = "user_id";

    public static bool TryResolve(StringValues header, StringValues query, out string userId, out string? error)
    {
        var supplied = header.Count > 0 ? header : query;
        userId = UserIds.DevelopmentUser;
        error = null;
        if (supplied.Count == 0)
        {
            return true;
        }

        if (supplied.Count > 1 || !UserIds.IsValid(supplied[0]))
        {
            error = $"{HeaderName} {UserIds.Rule}.";
            return false;
        }

        userId = supplied[0]!;
        return true;
    }

    /// <summary>Rejects a malformed development identity with 400 before any handler of the group runs.</summary>
    public static RouteGroupBuilder RequireDevelopmentIdentity(this RouteGroupBuilder group)
    {
        group.AddEndpointFilter(async (context, next) =>
            TryResolve(context.HttpContext.Request.Headers[HeaderName], default, out _, out var error)
                ? await next(context)
                : Problems.Validation(new Dictionary<string, string[]> { [HeaderName] = [error!] }, "The caller's identity header is malformed."));
        return group;
    }
}
