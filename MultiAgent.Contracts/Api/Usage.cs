namespace MultiAgent.Contracts.Api;

// Model usage as the Api serves it (GET /api/v1/tasks/{id}/usage, the cost part of GET /api/v1/metrics) and reads it from the
// AiGateway's usage contract (GET /v1/usage/...). The gateway owns the ledger and keeps its own copy of these wire shapes; the
// Api and the Web share these.

/// <param name="LatencyMs">The calls' latencies added up (divide by <see cref="Calls"/> for the mean); 0 from a gateway that does not report it.</param>
public sealed record UsageTotals(
    int Calls,
    int FailedCalls,
    int CacheHits,
    long InputTokens,
    long CachedInputTokens,
    long OutputTokens,
    long TotalTokens,
    decimal CostUsd,
    long LatencyMs = 0)
{
    public static readonly UsageTotals Zero = new(0, 0, 0, 0, 0, 0, 0, 0m);

    /// <summary>The mean latency of a call, or null without calls.</summary>
    public double? MeanLatencyMs => Calls == 0 ? null : (double)LatencyMs / Calls;
}

public sealed record AgentUsage(string? AgentId, string? AgentRole, UsageTotals Usage);

public sealed record ModelUsage(string Provider, string Model, UsageTotals Usage);

/// <summary>One task's model usage: totals, by agent and by model (GET /api/v1/tasks/{id}/usage).</summary>
public sealed record TaskUsageReport(
    string TaskId,
    UsageTotals Totals,
    IReadOnlyList<string> Providers,
    IReadOnlyList<AgentUsage> ByAgent,
    IReadOnlyList<ModelUsage> ByModel)
{
    /// <summary>The provider name the gateway records for its built-in simulated model.</summary>
    public const string SimulatedProvider = "simulated";

    /// <summary>Some answer came from the built-in simulated model.</summary>
    public bool Simulated => Providers.Contains(SimulatedProvider);
}

public sealed record TaskUsageList(IReadOnlyList<TaskUsageReport> Data);

public sealed record UsageBucket(DateTimeOffset Start, string Provider, string Model, UsageTotals Usage);

public sealed record UsageSummary(
    DateTimeOffset From,
    DateTimeOffset To,
    string Bucket,
    UsageTotals Totals,
    IReadOnlyList<ModelUsage> ByModel,
    IReadOnlyList<UsageBucket> Series);

/// <summary>Model cost over the last 24 hours, from the AiGateway's ledger: total, by model, and by hour and model.</summary>
/// <param name="Error">Set (and the figures zero) when the gateway could not be read.</param>
public sealed record CostMetrics(
    decimal Last24hUsd,
    int Last24hCalls,
    int Last24hCacheHits,
    IReadOnlyList<ModelCost> ByModel,
    IReadOnlyList<HourlyModelCost> Hourly,
    string? Error = null);

public sealed record ModelCost(string Provider, string Model, decimal CostUsd, int Calls, long InputTokens, long OutputTokens);

public sealed record HourlyModelCost(DateTimeOffset Hour, string Provider, string Model, decimal CostUsd, int Calls, long InputTokens = 0, long OutputTokens = 0)
{
    public long TotalTokens => InputTokens + OutputTokens;
}

/// <summary>GET /api/v1/metrics: the platform's task, agent and performance metrics, plus model cost.</summary>
public sealed record MetricsWithCostResponse(TaskCountMetrics Tasks, AgentCountMetrics Agents, PerformanceMetrics Performance, CostMetrics Cost);
