using MultiAgent.Contracts.Api;

namespace MultiAgent.Api.Usage;

/// <summary>Model cost over the last 24 hours, from the AiGateway's ledger: total, by model, and by hour and model.</summary>
public sealed record CostMetrics(
    decimal Last24hUsd,
    int Last24hCalls,
    int Last24hCacheHits,
    IReadOnlyList<ModelCost> ByModel,
    IReadOnlyList<HourlyModelCost> Hourly,
    string? Error = null);

public sealed record ModelCost(string Provider, string Model, decimal CostUsd, int Calls, long InputTokens, long OutputTokens);

public sealed record HourlyModelCost(DateTimeOffset Hour, string Provider, string Model, decimal CostUsd, int Calls);

/// <summary>GET /api/v1/metrics: the platform's task, agent and performance metrics, plus model cost.</summary>
public sealed record MetricsWithCostResponse(TaskCountMetrics Tasks, AgentCountMetrics Agents, PerformanceMetrics Performance, CostMetrics Cost)
{
    public static async Task<MetricsWithCostResponse> CreateAsync(MetricsResponse metrics, GatewayUsageClient usage, TimeProvider time,
        ILogger logger, CancellationToken cancellationToken)
    {
        CostMetrics cost;
        try
        {
            var summary = await usage.GetSummaryAsync(TimeSpan.FromDays(1), time.GetUtcNow(), cancellationToken);
            cost = new CostMetrics(
                summary.Totals.CostUsd,
                summary.Totals.Calls,
                summary.Totals.CacheHits,
                summary.ByModel.Select(m => new ModelCost(m.Provider, m.Model, m.Usage.CostUsd, m.Usage.Calls, m.Usage.InputTokens, m.Usage.OutputTokens)).ToList(),
                summary.Series.Select(b => new HourlyModelCost(b.Start, b.Provider, b.Model, b.Usage.CostUsd, b.Usage.Calls)).ToList());
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException)
        {
            logger.LogWarning(ex, "Model cost figures are unavailable: the AI gateway's usage endpoint could not be read");
            cost = new CostMetrics(0, 0, 0, [], [], "Model cost is unavailable: the AI gateway could not be reached. The other figures are current.");
        }
        return new MetricsWithCostResponse(metrics.Tasks, metrics.Agents, metrics.Performance, cost);
    }
}
