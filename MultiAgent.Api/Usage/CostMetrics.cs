using MultiAgent.Contracts.Api;

namespace MultiAgent.Api.Usage;

/// <summary>The cost part of GET /api/v1/metrics: the AiGateway's usage over the last 24 hours, by model and by hour.</summary>
public static class CostMetricsReader
{
    public static async Task<MetricsWithCostResponse> WithCostAsync(this MetricsResponse metrics, GatewayUsageClient usage, TimeProvider time,
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
                summary.Series.Select(b => new HourlyModelCost(b.Start, b.Provider, b.Model, b.Usage.CostUsd, b.Usage.Calls, b.Usage.InputTokens, b.Usage.OutputTokens))
                    .ToList());
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException)
        {
            logger.LogWarning(ex, "Model cost figures are unavailable: the AI gateway's usage endpoint could not be read");
            cost = new CostMetrics(0, 0, 0, [], [], "Model cost is unavailable: the AI gateway could not be reached. The other figures are current.");
        }
        return new MetricsWithCostResponse(metrics.Tasks, metrics.Agents, metrics.Performance, cost);
    }
}
