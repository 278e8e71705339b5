using Microsoft.Extensions.Caching.Memory;
using MultiAgent.Contracts.Api;

namespace MultiAgent.Web.Services;

/// <summary>
/// Whether the top bar should say "Simulated model", per browser session (circuit). It does when the Api's health
/// report names the simulated model as a service's state (asked at most once a minute per app), or when the task on
/// screen says its usage came from the simulated model.
/// </summary>
public sealed class SimulatedModelIndicator(TasksApiClient api, IMemoryCache cache)
{
    private static readonly TimeSpan HealthCacheDuration = TimeSpan.FromMinutes(1);
    private const string HealthCacheKey = "api-health-says-simulated";

    private bool healthSaysSimulated;
    private bool taskOnScreenIsSimulated;

    public event Action? Changed;

    public bool IsSimulated => healthSaysSimulated || taskOnScreenIsSimulated;

    public string Reason => taskOnScreenIsSimulated
        ? "This task's answers come from MultiAgent's built-in simulated model, not a real AI provider."
        : "The API reports it is using MultiAgent's built-in simulated model, not a real AI provider.";

    public async Task CheckHealthAsync(CancellationToken cancellationToken = default)
    {
        var simulated = await cache.GetOrCreateAsync(HealthCacheKey, async entry =>
        {
            entry.AbsoluteExpirationRelativeToNow = HealthCacheDuration;
            var health = await api.GetHealthAsync(cancellationToken);
            return health.IsSuccess && SaysSimulated(health.Value);
        });
        Set(ref healthSaysSimulated, simulated);
    }

    public void ShowTask(bool simulated) => Set(ref taskOnScreenIsSimulated, simulated);

    // The health report has no dedicated flag; a service whose state mentions "simulated" (e.g. "ai_model": "simulated") is the signal.
    private static bool SaysSimulated(HealthResponse health) =>
        health.Services?.Any(s => s.Value.Contains("simulated", StringComparison.OrdinalIgnoreCase)) == true;

    private void Set(ref bool field, bool value)
    {
        if (field == value)
        {
            return;
        }

        field = value;
        Changed?.Invoke();
    }
}
