namespace MultiAgent.Api.Usage;

// The AiGateway's usage contract (GET /v1/usage/...), as the Api reads it and passes it on. The gateway owns the ledger;
// these records are the Api's copy of its wire shape (snake_case on the wire), not shared entity classes.

public sealed record UsageTotals(
    int Calls,
    int FailedCalls,
    int CacheHits,
    long InputTokens,
    long CachedInputTokens,
    long OutputTokens,
    long TotalTokens,
    decimal CostUsd)
{
    public static readonly UsageTotals Zero = new(0, 0, 0, 0, 0, 0, 0, 0m);
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
    /// <summary>Some answer came from the built-in simulated model.</summary>
    public bool Simulated => Providers.Contains(GatewayUsageClient.SimulatedProvider);
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
