using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace MultiAgent.AppHost;

/// <summary>
/// The AppHost's AI settings for the gateway. Aspire does not pass the AppHost's own configuration to services, so
/// everything under <c>AI:</c> (command line <c>--AI:Simulated:LatencyMs=200</c>, environment <c>AI__Routes__manager__0</c>,
/// user secrets) is passed on here as environment variables, except keys: each provider that needs one gets the
/// secret parameter <c>ai-&lt;provider&gt;-api-key</c>.
/// </summary>
public static class AiGatewayExtensions
{
    public const string Section = "AI";

    public static IResourceBuilder<ProjectResource> WithAiConfiguration(this IResourceBuilder<ProjectResource> gateway, IDistributedApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        foreach (var (key, value) in configuration.GetSection(Section).AsEnumerable())
        {
            if (value is null || IsSecret(key) || key.EndsWith(":ApiKeyRequired", StringComparison.OrdinalIgnoreCase)) continue;
            gateway.WithEnvironment(key.Replace(":", "__", StringComparison.Ordinal), value);
        }

        foreach (var provider in configuration.GetSection($"{Section}:Providers").GetChildren())
        {
            var type = provider["Type"]?.Trim().ToLowerInvariant();
            if (type is null or "simulated" || !configuration.GetValue($"{provider.Path}:ApiKeyRequired", true)) continue;

            // Set it with: dotnet user-secrets --project MultiAgent.AppHost set Parameters:ai-<provider>-api-key <key>
            var name = provider.Key.ToLowerInvariant();
            var key = builder.AddParameter($"ai-{name}-api-key", secret: true);
            gateway.WithEnvironment($"AI__Providers__{provider.Key}__ApiKey", key);
        }

        return gateway;
    }

    /// <summary><c>AiGateway:Replicas</c> (default 1): how many gateway processes run behind its endpoint.</summary>
    public static int GatewayReplicas(this IConfiguration configuration) =>
        int.TryParse(configuration["AiGateway:Replicas"], NumberStyles.None, CultureInfo.InvariantCulture, out var replicas) && replicas > 0 ? replicas : 1;

    // Keys never travel as plain configuration: ApiKey, GatewayKey, ... (ApiKeyHeader is a header name, not a key).
    private static bool IsSecret(string key)
    {
        var last = key[(key.LastIndexOf(':') + 1)..];
        return last.EndsWith("Key", StringComparison.OrdinalIgnoreCase) || last.Contains("Secret", StringComparison.OrdinalIgnoreCase);
    }
}
