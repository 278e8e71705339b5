using System.Security.Claims;
using MultiAgent.Api.Auth;
using MultiAgent.Contracts.Events;

namespace MultiAgent.Api.RealTime;

public static class TaskHubEndpoints
{
    /// <summary>
    /// Maps the hub at <see cref="TaskEventNames.HubPath"/> (authenticated: 401 at negotiation without a valid token).
    /// A user already at the connection limit is refused with 429 at negotiation, so the client's start fails with
    /// the reason; the hub itself enforces the limit when the connection opens.
    /// </summary>
    public static WebApplication MapTaskHub(this WebApplication app)
    {
        app.UseWhen(
            context => context.Request.Path.StartsWithSegments($"{TaskEventNames.HubPath}/negotiate")
                && context.User.FindFirstValue(AuthClaims.Subject) is not null,
            hub => hub.Use(async (context, next) =>
            {
                var connections = context.RequestServices.GetRequiredService<RealtimeConnections>();
                if (!await connections.IsFullAsync(context.User.FindFirstValue(AuthClaims.Subject)!))
                {
                    await next(context);
                    return;
                }

                await Results.Problem(
                    title: "Too many real-time connections",
                    detail: $"At most {connections.Limit} real-time connections per user. Close another one first.",
                    statusCode: StatusCodes.Status429TooManyRequests).ExecuteAsync(context);
            }));

        app.MapHub<TaskHub>(TaskEventNames.HubPath);
        return app;
    }
}
