using MultiAgent.AiGateway.Ledger;
using MultiAgent.AiGateway.Protocol;

namespace MultiAgent.AiGateway.Apis;

/// <summary>
/// The ledger for other services (the Api), behind the gateway key like every /v1 path: one task's usage, many tasks'
/// usage, and cost by model over time. Reads first wait (briefly) for this replica's queued entries to be written.
/// </summary>
public static class UsageApi
{
    public const int MaxTaskIds = 200;
    private static readonly TimeSpan FlushWait = TimeSpan.FromSeconds(2);

    public static IEndpointRouteBuilder MapUsageApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/v1/usage").WithTags("Usage");
        api.MapGet("/tasks/{taskId}", GetTaskUsage);
        api.MapGet("/tasks", GetTasksUsage);
        api.MapGet("/summary", GetSummary);
        return app;
    }

    public static async Task<IResult> GetTaskUsage(string taskId, UsageQueries queries, LedgerWriter writer, CancellationToken cancellationToken)
    {
        await writer.FlushAsync(FlushWait, cancellationToken);
        var reports = await queries.ForTasksAsync([taskId], cancellationToken);
        return Results.Json(reports[0], WireJson.Options);
    }

    /// <summary>GET /v1/usage/tasks?task_id=a&amp;task_id=b (up to <see cref="MaxTaskIds"/>).</summary>
    public static async Task<IResult> GetTasksUsage(HttpContext http, UsageQueries queries, LedgerWriter writer, CancellationToken cancellationToken)
    {
        var ids = http.Request.Query["task_id"].Where(id => !string.IsNullOrWhiteSpace(id)).Select(id => id!.Trim()).Distinct().ToList();
        if (ids.Count is 0 or > MaxTaskIds)
        {
            return ChatCompletionsApi.Error(400, $"Give 1 to {MaxTaskIds} task ids as ?task_id=...&task_id=... (got {ids.Count}).",
                "invalid_request_error", "task_id", "invalid_value");
        }
        await writer.FlushAsync(FlushWait, cancellationToken);
        return Results.Json(new TaskUsageList(await queries.ForTasksAsync(ids, cancellationToken)), WireJson.Options);
    }

    /// <summary>GET /v1/usage/summary?from=...&amp;to=...&amp;bucket=hour|day: totals, by model, and a series by bucket and model (default: the last 24 hours by hour).</summary>
    public static async Task<IResult> GetSummary(DateTimeOffset? from, DateTimeOffset? to, string? bucket, UsageQueries queries, TimeProvider time,
        LedgerWriter writer, CancellationToken cancellationToken)
    {
        var end = to ?? time.GetUtcNow();
        var start = from ?? end.AddDays(-1);
        if (start >= end || end - start > TimeSpan.FromDays(366))
        {
            return ChatCompletionsApi.Error(400, "'from' must be before 'to', at most 366 days apart (ISO 8601 times, e.g. 2026-01-01T00:00:00Z).",
                "invalid_request_error", "from", "invalid_value");
        }
        if (bucket is not (null or "hour" or "day"))
        {
            return ChatCompletionsApi.Error(400, "'bucket' must be 'hour' or 'day'.", "invalid_request_error", "bucket", "invalid_value");
        }
        await writer.FlushAsync(FlushWait, cancellationToken);
        return Results.Json(await queries.SummaryAsync(start, end, bucket == "day", cancellationToken), WireJson.Options);
    }
}
