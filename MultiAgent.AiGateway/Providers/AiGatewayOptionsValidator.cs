using Microsoft.Extensions.Options;

namespace MultiAgent.AiGateway.Providers;

/// <summary>Fails startup with an actionable message when the provider configuration cannot work.</summary>
public sealed class AiGatewayOptionsValidator : IValidateOptions<AiGatewayOptions>
{
    public ValidateOptionsResult Validate(string? name, AiGatewayOptions options)
    {
        var failures = new List<string>();
        var provider = (options.Provider ?? "").Trim();

        if (provider.Equals(AiProviderNames.Simulated, StringComparison.OrdinalIgnoreCase))
        {
            var sim = options.Simulated;
            if (sim.FailureRate is < 0 or > 1 || double.IsNaN(sim.FailureRate))
                failures.Add($"AI:Simulated:FailureRate must be between 0 and 1 (got {sim.FailureRate}).");
            if (sim.FailureStatusCode is < 400 or > 599)
                failures.Add($"AI:Simulated:FailureStatusCode must be an HTTP error status 400-599 (got {sim.FailureStatusCode}).");
            if (sim.LatencyMs < 0)
                failures.Add($"AI:Simulated:LatencyMs must not be negative (got {sim.LatencyMs}).");
            if (sim.StreamChunkChars < 1)
                failures.Add($"AI:Simulated:StreamChunkChars must be at least 1 (got {sim.StreamChunkChars}).");
        }
        else if (provider.Equals(AiProviderNames.OpenAI, StringComparison.OrdinalIgnoreCase))
        {
            if (string.IsNullOrWhiteSpace(options.BaseUrl))
            {
                failures.Add("AI:Provider is 'openai' but AI:BaseUrl is not set. Set AI__BaseUrl to the OpenAI-compatible endpoint, " +
                             "e.g. https://api.openai.com/v1, https://<resource>.openai.azure.com/openai/v1 or http://localhost:11434/v1 (Ollama).");
            }
            else if (!Uri.TryCreate(options.BaseUrl, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            {
                failures.Add($"AI:BaseUrl '{options.BaseUrl}' is not an absolute http(s) URL, e.g. https://api.openai.com/v1.");
            }

            if (string.IsNullOrWhiteSpace(options.Model))
            {
                failures.Add("AI:Provider is 'openai' but AI:Model is not set. Set AI__Model to the upstream model name, e.g. gpt-4o-mini or llama3.1.");
            }
        }
        else
        {
            failures.Add($"AI:Provider '{options.Provider}' is not supported. Valid values: {string.Join(", ", AiProviderNames.All)}.");
        }

        foreach (var (model, price) in options.Prices)
        {
            if (price.Input < 0 || price.Output < 0)
                failures.Add($"AI:Prices:{model} must not be negative.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
