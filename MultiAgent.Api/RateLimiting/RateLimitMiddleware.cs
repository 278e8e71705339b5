using System.Security.Claims;
using MultiAgent.Api.Auth;

namespace MultiAgent.Api.RateLimiting;

/// <summary>
/// ApiRequestsPerMinute for every /api/v1 request but /health: per user when a valid token came with it, else per
/// client address (sign-in attempts included). Runs after authentication, before authorization.
/// </summary>
public static class RateLimitMiddleware
{
    public static IApplicationBuilder UseApiRateLimits(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var path = context.Request.Path;
        if (!path.StartsWithSegments("/api/v1") || path.StartsWithSegments("/api/v1/health"))
        {
            await next(context);
            return;
        }

        var subject = context.User.FindFirstValue(AuthClaims.Subject) is { } userId
            ? userId
            : "ip-" + (context.Connection.RemoteIpAddress?.ToString().Replace(':', '.') ?? "unknown");
        var limiter = context.RequestServices.GetRequiredService<RateLimiter>();
        var decision = await limiter.ApiRequestAsync(subject);
        if (decision is { Allowed: false })
        {
            await RateLimiter.TooManyRequests(context, decision,
                $"Rate limit exceeded: at most {decision.Rule.Limit} requests per minute. Retry after {decision.RetryAfterSeconds} seconds.")
                .ExecuteAsync(context);
            return;
        }

        if (decision is not null)
        {
            RateLimiter.WriteHeaders(context.Response, decision);
        }
        await next(context);
    });
}
