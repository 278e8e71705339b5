using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using MultiAgent.AiGateway.Routing;

namespace MultiAgent.AiGateway.Providers;

/// <summary>Fails startup with an actionable message when the providers, routes or knobs cannot work.</summary>
public sealed partial class AiGatewayOptionsValidator : IValidateOptions<AiGatewayOptions>
{
    public ValidateOptionsResult Validate(string? name, AiGatewayOptions options)
    {
        var failures = new List<string>();

        if (!string.IsNullOrWhiteSpace(options.Provider) || !string.IsNullOrWhiteSpace(options.Model) || !string.IsNullOrWhiteSpace(options.BaseUrl))
        {
            failures.Add("AI:Provider, AI:Model and AI:BaseUrl are no longer read: configure each upstream as AI:Providers:<name>:Type/BaseUrl " +
                         "(its key as the AppHost's secret parameter ai-<name>-api-key) and point routes at it with AI:Routes:<route>:0 = <name>/<model>. " +
                         "See MultiAgent.AiGateway/README.md, \"Configuration\".");
        }

        var providers = ProviderRegistry.EffectiveProviders(options);
        foreach (var (providerName, provider) in providers)
        {
            var key = $"AI:Providers:{providerName}";
            if (!ProviderNameRegex().IsMatch(providerName))
                failures.Add($"{key}: a provider name is lower-case letters, digits and '-', starting with a letter (it names the AppHost parameter ai-<name>-api-key).");

            var type = provider.Type.Trim().ToLowerInvariant();
            if (!AiProviderTypes.All.Contains(type))
            {
                failures.Add($"{key}:Type '{provider.Type}' is not supported. Valid values: {string.Join(", ", AiProviderTypes.All)}.");
                continue;
            }

            if (type == AiProviderTypes.OpenAI && string.IsNullOrWhiteSpace(provider.BaseUrl))
            {
                failures.Add($"{key}:BaseUrl is not set. Set AI__Providers__{providerName}__BaseUrl to the OpenAI-compatible endpoint, e.g. " +
                             "https://api.openai.com/v1, https://<resource>.openai.azure.com/openai/v1 or http://localhost:11434/v1 (Ollama).");
            }
            if (!string.IsNullOrWhiteSpace(provider.BaseUrl)
                && (!Uri.TryCreate(provider.BaseUrl, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)))
            {
                failures.Add($"{key}:BaseUrl '{provider.BaseUrl}' is not an absolute http(s) URL, e.g. https://api.openai.com/v1.");
            }

            if (provider.Rpm is <= 0) failures.Add($"{key}:Rpm must be positive when set (got {provider.Rpm}).");
            if (provider.Tpm is <= 0) failures.Add($"{key}:Tpm must be positive when set (got {provider.Tpm}).");
            if (provider.MaxAttempts is < 1 or > 10) failures.Add($"{key}:MaxAttempts must be 1-10 (got {provider.MaxAttempts}).");
            if (provider.TimeoutSeconds <= 0) failures.Add($"{key}:TimeoutSeconds must be positive (got {provider.TimeoutSeconds}).");
            if (provider.QueueTimeoutSeconds < 0) failures.Add($"{key}:QueueTimeoutSeconds must not be negative (got {provider.QueueTimeoutSeconds}).");
            if (provider.MaxQueue < 0) failures.Add($"{key}:MaxQueue must not be negative (got {provider.MaxQueue}).");
            if (provider.BreakerFailureThreshold < 1) failures.Add($"{key}:BreakerFailureThreshold must be at least 1 (got {provider.BreakerFailureThreshold}).");
            if (provider.BreakerBreakSeconds <= 0) failures.Add($"{key}:BreakerBreakSeconds must be positive (got {provider.BreakerBreakSeconds}).");
        }

        foreach (var (routeName, targets) in options.Routes)
        {
            if (targets.All(string.IsNullOrWhiteSpace))
            {
                failures.Add($"AI:Routes:{routeName} has no target; give it AI:Routes:{routeName}:0 = <provider>/<model>.");
            }
            foreach (var target in targets.Where(t => !string.IsNullOrWhiteSpace(t)).Select(RouteTarget.Parse))
            {
                if (!providers.TryGetValue(target.Provider, out var provider))
                {
                    failures.Add($"AI:Routes:{routeName} names provider '{target.Provider}', which is not configured. " +
                                 $"Configured providers: {string.Join(", ", providers.Keys.Order())}.");
                }
                else if (target.Model is null && !provider.Type.Equals(AiProviderTypes.Simulated, StringComparison.OrdinalIgnoreCase))
                {
                    failures.Add($"AI:Routes:{routeName}: the target '{target}' needs a model name (only the simulated model accepts any name), e.g. {target.Provider}/gpt-4o-mini.");
                }
            }
        }

        var sim = options.Simulated;
        if (sim.FailureRate is < 0 or > 1 || double.IsNaN(sim.FailureRate))
            failures.Add($"AI:Simulated:FailureRate must be between 0 and 1 (got {sim.FailureRate}).");
        if (sim.FailureStatusCode is < 400 or > 599)
            failures.Add($"AI:Simulated:FailureStatusCode must be an HTTP error status 400-599 (got {sim.FailureStatusCode}).");
        if (sim.LatencyMs < 0)
            failures.Add($"AI:Simulated:LatencyMs must not be negative (got {sim.LatencyMs}).");
        if (sim.StreamChunkChars < 1)
            failures.Add($"AI:Simulated:StreamChunkChars must be at least 1 (got {sim.StreamChunkChars}).");

        if (options.Cache.TtlSeconds < 1)
            failures.Add($"AI:Cache:TtlSeconds must be at least 1 (got {options.Cache.TtlSeconds}).");
        if (options.Budgets.UserDailyUsd is < 0)
            failures.Add($"AI:Budgets:UserDailyUsd must not be negative (got {options.Budgets.UserDailyUsd}).");
        if (options.Budgets.DefaultMaxOutputTokens < 1)
            failures.Add($"AI:Budgets:DefaultMaxOutputTokens must be at least 1 (got {options.Budgets.DefaultMaxOutputTokens}).");

        foreach (var (model, price) in options.Prices)
        {
            if (price.Input < 0 || price.Output < 0 || price.CachedInput < 0)
                failures.Add($"AI:Prices:{model} must not be negative.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    [GeneratedRegex("^[a-z][a-z0-9-]*$")]
    private static partial Regex ProviderNameRegex();
}
