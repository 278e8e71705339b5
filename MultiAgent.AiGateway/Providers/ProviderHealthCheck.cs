using Microsoft.Extensions.Diagnostics.HealthChecks;
using MultiAgent.AiGateway.Resilience;

namespace MultiAgent.AiGateway.Providers;

/// <summary>
/// Healthy while at least one provider's breaker lets calls through; the data lists each provider's breaker state.
/// Never calls a (paid) provider: breakers learn from real calls.
/// </summary>
public sealed class ProviderHealthCheck(ProviderRegistry providers) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var data = providers.All.ToDictionary(p => p.Name, p => (object)p.Breaker.State.ToString());
        var usable = providers.All.Any(p => p.Breaker.State != BreakerState.Open);
        return Task.FromResult(usable
            ? HealthCheckResult.Healthy("At least one AI provider accepts calls.", data)
            : HealthCheckResult.Degraded("Every AI provider's circuit breaker is open; calls get 503 until a probe succeeds.", data: data));
    }
}
