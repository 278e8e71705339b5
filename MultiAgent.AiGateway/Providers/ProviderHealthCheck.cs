using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace MultiAgent.AiGateway.Providers;

/// <summary>
/// Whether the configured provider is usable: the simulated model always is; an OpenAI-compatible provider when its
/// configuration is present. Never calls the (paid) upstream API.
/// </summary>
public sealed class ProviderHealthCheck(IOptionsMonitor<AiGatewayOptions> options) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var current = options.CurrentValue;
        var provider = (current.Provider ?? "").Trim().ToLowerInvariant();
        var result = provider switch
        {
            AiProviderNames.Simulated => HealthCheckResult.Healthy("The simulated model is built in."),
            AiProviderNames.OpenAI when !string.IsNullOrWhiteSpace(current.BaseUrl) && !string.IsNullOrWhiteSpace(current.Model) =>
                HealthCheckResult.Healthy("OpenAI-compatible provider configured."),
            AiProviderNames.OpenAI => HealthCheckResult.Unhealthy("OpenAI-compatible provider lacks AI:BaseUrl or AI:Model."),
            _ => HealthCheckResult.Unhealthy("Unknown AI:Provider."),
        };
        return Task.FromResult(result);
    }
}
