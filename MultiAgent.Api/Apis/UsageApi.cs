using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using MultiAgent.Api.Identity;
using MultiAgent.Api.Usage;
using MultiAgent.Contracts;
using MultiAgent.Contracts.Api;
using MultiAgent.Data;

namespace MultiAgent.Api.Apis;

/// <summary>GET /api/v1/tasks/{taskId}/usage: a task's model usage, read from the AiGateway's ledger (owner or admin).</summary>
public static class UsageApi
{
    public static IEndpointRouteBuilder MapUsageApi(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/api/v1/tasks").WithTags("Tasks")
            .MapGet("/{taskId}/usage", GetTaskUsage)
            .WithName("GetTaskUsage")
            .WithSummary("Tokens and cost of a task's model calls: totals, by agent and by model")
            .RequireAuthorization()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return app;
    }

    public static async Task<Results<Ok<TaskUsageReport>, ProblemHttpResult>> GetTaskUsage(
        string taskId, ICurrentUser user, MultiAgentDbContext db, GatewayUsageClient usage, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var owner = user.IsAdmin ? null : user.UserId;
        var exists = Ids.TryParseTaskId(taskId, out _)
                     && await db.Tasks.AsNoTracking().AnyAsync(t => t.TaskId == taskId && (owner == null || t.UserId == owner), cancellationToken);
        if (!exists)
        {
            return Problems.TaskNotFound(taskId);
        }

        try
        {
            return TypedResults.Ok(await usage.GetTaskAsync(taskId, cancellationToken));
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException)
        {
            loggers.CreateLogger(typeof(UsageApi)).LogWarning(ex, "Usage of {TaskId} could not be read from the AI gateway", taskId);
            return TypedResults.Problem(
                title: "Usage unavailable",
                detail: "The AI gateway, which keeps the usage ledger, could not be reached. Retry in a moment; the task itself is unaffected.",
                statusCode: StatusCodes.Status503ServiceUnavailable);
        }
    }
}
