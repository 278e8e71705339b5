using MultiAgent.Api.Identity;
using MultiAgent.Contracts.Events;

namespace MultiAgent.Api.RealTime;

public static class TaskHubEndpoints
{
    /// <summary>
    /// Maps the hub at <see cref="TaskEventNames.HubPath"/>. A malformed development identity is refused with a 400
    /// problem at negotiation, so the client's start fails with the reason instead of a dropped connection.
    /// </summary>
    public static WebApplication MapTaskHub(this WebApplication app)
    {
        app.UseWhen(
            context => context.Request.Path.StartsWithSegments(TaskEventNames.HubPath),
            hub => hub.Use(async (context, next) =>
            {
                if (DevelopmentIdentity.TryResolve(context.Request.Headers[DevelopmentIdentity.HeaderName],
                        context.Request.Query[DevelopmentIdentity.QueryName], out _, out var error))
                {
                    await next(context);
                    return;
                }

                await Results.Problem(title: "Invalid identity", detail: error, statusCode: StatusCodes.Status400BadRequest).ExecuteAsync(context);
            }));

        app.MapHub<TaskHub>(TaskEventNames.HubPath);
        return app;
    }
}
