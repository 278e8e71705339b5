using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using MultiAgent.Api.Agents;
using MultiAgent.Api.Auth;
using MultiAgent.Api.Health;
using MultiAgent.Api.Usage;
using MultiAgent.Contracts;
using MultiAgent.Contracts.Api;
using MultiAgent.Data;

namespace MultiAgent.Api.Apis;

public static class HealthApi
{
    public const string Healthy = "healthy";
    public const string Degraded = "degraded";
    public const string Unhealthy = "unhealthy";

    public static IEndpointRouteBuilder MapHealthApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1").WithTags("Health & Monitoring");

        api.MapGet("/health", GetHealth)
            .WithName("GetHealth")
            .WithSummary("The health of the Api's dependencies (503 unless all are healthy)")
            .Produces<HealthResponse>(StatusCodes.Status503ServiceUnavailable)
            .AllowAnonymous();
        api.MapGet("/metrics", GetMetrics)
            .WithName("GetMetrics")
            .WithSummary("Task, agent and performance metrics (admin only)")
            .RequireAuthorization(AuthPolicies.Admin)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden);

        return app;
    }

    public static async Task<Results<Ok<HealthResponse>, JsonHttpResult<HealthResponse>>> GetHealth(
        ServiceProbes probes, TimeProvider time, CancellationToken cancellationToken)
    {
        var database = probes.DatabaseAsync(cancellationToken);
        var redis = probes.RedisAsync(cancellationToken);
        var aiService = probes.AiServiceAsync(cancellationToken);
        var messageQueue = probes.MessageQueueAsync(cancellationToken);
        await Task.WhenAll(database, redis, aiService, messageQueue);

        var services = new Dictionary<string, string>
        {
            ["database"] = State(database.Result),
            ["redis"] = State(redis.Result),
            ["ai_service"] = State(aiService.Result),
            ["message_queue"] = State(messageQueue.Result),
        };
        // Without the database nothing can be served; without any other dependency some requests still can.
        var status = services.Values.All(s => s == Healthy) ? Healthy : database.Result ? Degraded : Unhealthy;
        var response = new HealthResponse(status, time.GetUtcNow(), services);

        return status == Healthy
            ? TypedResults.Ok(response)
            : TypedResults.Json(response, statusCode: StatusCodes.Status503ServiceUnavailable);
    }

    public static async Task<Ok<MetricsWithCostResponse>> GetMetrics(
        MultiAgentDbContext db, AgentStatusReader agentStatus, Usage.GatewayUsageClient usage, TimeProvider time, ILogger<Usage.GatewayUsageClient> logger,
        CancellationToken cancellationToken)
    {
        var counts = await db.Tasks.AsNoTracking()
            .GroupBy(t => t.Status)
            .Select(g => new { Status = g.Key, Count = g.Count() })
            .ToDictionaryAsync(x => x.Status, x => x.Count, cancellationToken);
        int Count(TaskStatus status) => counts.GetValueOrDefault(status);

        var completed = Count(TaskStatus.Completed);
        var failed = Count(TaskStatus.Failed);
        // The same definition as GET /tasks?status=in_progress: every status between pending and the end, revisions included.
        var inProgress = counts.Where(c => c.Key.IsInProgress()).Sum(c => c.Value);

        var averageSeconds = await db.Database
            .SqlQuery<double?>($"""SELECT avg(extract(epoch FROM completed_at - created_at))::float8 AS "Value" FROM tasks WHERE status = 'completed' AND completed_at IS NOT NULL""")
            .SingleAsync(cancellationToken);

        var agents = await db.Agents.AsNoTracking().Select(a => new { a.AgentId, a.Status }).ToListAsync(cancellationToken);
        var live = await agentStatus.GetAsync(agents.Select(a => (a.AgentId, a.Status)).ToList());

        return TypedResults.Ok(await new MetricsResponse(
            new TaskCountMetrics(counts.Values.Sum(), Count(TaskStatus.Pending), inProgress, completed, failed),
            new AgentCountMetrics(live.Values.Count(s => s == AgentStatusReader.Busy), live.Values.Count(s => s == AgentStatusReader.Idle)),
            new PerformanceMetrics(
                averageSeconds is { } seconds ? Math.Round(seconds, 1) : null,
                completed + failed == 0 ? null : Math.Round((double)completed / (completed + failed), 4)))
            .WithCostAsync(usage, time, logger, cancellationToken));
    }

    private static string State(bool healthy) => healthy ? Healthy : Unhealthy;
}
