using System.Text.Json.Serialization;
using Microsoft.EntityFrameworkCore;

namespace MultiAgent.AiGateway.Ledger;

// The usage contract the gateway offers other services (GET /v1/usage/...): wire records, snake_case, never entity classes.

public sealed record UsageTotals(
    [property: JsonPropertyName("calls")] int Calls,
    [property: JsonPropertyName("failed_calls")] int FailedCalls,
    [property: JsonPropertyName("cache_hits")] int CacheHits,
    [property: JsonPropertyName("input_tokens")] long InputTokens,
    [property: JsonPropertyName("cached_input_tokens")] long CachedInputTokens,
    [property: JsonPropertyName("output_tokens")] long OutputTokens,
    [property: JsonPropertyName("total_tokens")] long TotalTokens,
    [property: JsonPropertyName("cost_usd")] decimal CostUsd,
    [property: JsonPropertyName("latency_ms")] long LatencyMs);

public sealed record AgentUsage(
    [property: JsonPropertyName("agent_id")] string? AgentId,
    [property: JsonPropertyName("agent_role")] string? AgentRole,
    [property: JsonPropertyName("usage")] UsageTotals Usage);

public sealed record ModelUsage(
    [property: JsonPropertyName("provider")] string Provider,
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("usage")] UsageTotals Usage);

public sealed record TaskUsageReport(
    [property: JsonPropertyName("task_id")] string TaskId,
    [property: JsonPropertyName("totals")] UsageTotals Totals,
    [property: JsonPropertyName("providers")] IReadOnlyList<string> Providers,
    [property: JsonPropertyName("by_agent")] IReadOnlyList<AgentUsage> ByAgent,
    [property: JsonPropertyName("by_model")] IReadOnlyList<ModelUsage> ByModel);

public sealed record TaskUsageList([property: JsonPropertyName("data")] IReadOnlyList<TaskUsageReport> Data);

public sealed record UsageBucket(
    [property: JsonPropertyName("start")] DateTimeOffset Start,
    [property: JsonPropertyName("provider")] string Provider,
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("usage")] UsageTotals Usage);

public sealed record UsageSummary(
    [property: JsonPropertyName("from")] DateTimeOffset From,
    [property: JsonPropertyName("to")] DateTimeOffset To,
    [property: JsonPropertyName("bucket")] string Bucket,
    [property: JsonPropertyName("totals")] UsageTotals Totals,
    [property: JsonPropertyName("by_model")] IReadOnlyList<ModelUsage> ByModel,
    [property: JsonPropertyName("series")] IReadOnlyList<UsageBucket> Series);

/// <summary>Reads of the ledger: one task, many tasks, and cost by model over time.</summary>
public sealed class UsageQueries(LedgerDbContext db)
{
    public const string Ok = "ok";

    private sealed record Row(string? TaskId, string? AgentId, string? AgentRole, string Provider, string Model, bool Failed, bool CacheHit,
        int InputTokens, int CachedInputTokens, int OutputTokens, decimal Cost, int LatencyMs, DateTime CreatedAt);

    public async Task<IReadOnlyList<TaskUsageReport>> ForTasksAsync(IReadOnlyCollection<string> taskIds, CancellationToken cancellationToken)
    {
        var rows = await db.Usage.AsNoTracking()
            .Where(u => u.TaskId != null && taskIds.Contains(u.TaskId))
            .Select(u => new Row(u.TaskId, u.AgentId, u.AgentRole, u.Provider, u.Model, u.Outcome != Ok, u.CacheHit,
                u.InputTokens, u.CachedInputTokens, u.OutputTokens, u.CostUsd ?? 0m, u.LatencyMs, u.CreatedAt))
            .ToListAsync(cancellationToken);
        var byTask = rows.ToLookup(r => r.TaskId!);
        return taskIds.Distinct().Select(id => Report(id, byTask[id].ToList())).ToList();
    }

    public async Task<UsageSummary> SummaryAsync(DateTimeOffset from, DateTimeOffset to, bool daily, CancellationToken cancellationToken)
    {
        var fromUtc = from.UtcDateTime;
        var toUtc = to.UtcDateTime;
        var rows = await db.Usage.AsNoTracking()
            .Where(u => u.CreatedAt >= fromUtc && u.CreatedAt < toUtc)
            .Select(u => new Row(u.TaskId, u.AgentId, u.AgentRole, u.Provider, u.Model, u.Outcome != Ok, u.CacheHit,
                u.InputTokens, u.CachedInputTokens, u.OutputTokens, u.CostUsd ?? 0m, u.LatencyMs, u.CreatedAt))
            .ToListAsync(cancellationToken);

        DateTime BucketOf(DateTime t) => daily
            ? new DateTime(t.Year, t.Month, t.Day, 0, 0, 0, DateTimeKind.Utc)
            : new DateTime(t.Year, t.Month, t.Day, t.Hour, 0, 0, DateTimeKind.Utc);

        var series = rows
            .GroupBy(r => (Start: BucketOf(r.CreatedAt), r.Provider, r.Model))
            .OrderBy(g => g.Key.Start).ThenBy(g => g.Key.Provider).ThenBy(g => g.Key.Model)
            .Select(g => new UsageBucket(new DateTimeOffset(g.Key.Start, TimeSpan.Zero), g.Key.Provider, g.Key.Model, Totals(g)))
            .ToList();
        return new UsageSummary(from, to, daily ? "day" : "hour", Totals(rows), ByModel(rows), series);
    }

    private static TaskUsageReport Report(string taskId, List<Row> rows) => new(
        taskId,
        Totals(rows),
        rows.Where(r => !r.CacheHit).Select(r => r.Provider).Distinct().Order(StringComparer.Ordinal).ToList(),
        rows.GroupBy(r => (r.AgentId, r.AgentRole))
            .OrderBy(g => g.Key.AgentId, StringComparer.Ordinal)
            .Select(g => new AgentUsage(g.Key.AgentId, g.Key.AgentRole, Totals(g)))
            .ToList(),
        ByModel(rows));

    private static List<ModelUsage> ByModel(IEnumerable<Row> rows) =>
        rows.GroupBy(r => (r.Provider, r.Model))
            .OrderBy(g => g.Key.Provider, StringComparer.Ordinal).ThenBy(g => g.Key.Model, StringComparer.Ordinal)
            .Select(g => new ModelUsage(g.Key.Provider, g.Key.Model, Totals(g)))
            .ToList();

    private static UsageTotals Totals(IEnumerable<Row> rows)
    {
        int calls = 0, failed = 0, hits = 0;
        long input = 0, cached = 0, output = 0, latency = 0;
        var cost = 0m;
        foreach (var r in rows)
        {
            calls++;
            if (r.Failed) failed++;
            if (r.CacheHit) hits++;
            input += r.InputTokens;
            cached += r.CachedInputTokens;
            output += r.OutputTokens;
            cost += r.Cost;
            latency += r.LatencyMs;
        }
        return new UsageTotals(calls, failed, hits, input, cached, output, input + output, cost, latency);
    }
}
