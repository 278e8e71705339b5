using System.ClientModel;
using System.ClientModel.Primitives;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;
using MultiAgent.AiGateway.Simulated;
using OpenAI;

namespace MultiAgent.AiGateway.Providers;

/// <summary>The configured upstream: its name (as recorded in ai_api_usage), its <see cref="IChatClient"/>, and model override.</summary>
public sealed class ModelProvider(string name, IChatClient client, string? modelOverride, bool isBilled)
{
    /// <summary>The named HttpClient that carries calls to an OpenAI-compatible upstream.</summary>
    public const string UpstreamHttpClientName = "ai-upstream";

    public string Name { get; } = name;
    public IChatClient Client { get; } = client;
    public string? ModelOverride { get; } = modelOverride;

    /// <summary>False for the simulated model, whose calls cost nothing.</summary>
    public bool IsBilled { get; } = isBilled;

    /// <summary>The model the upstream is asked for: the configured override, else the requested name.</summary>
    public string ResolveModel(string requestedModel) =>
        string.IsNullOrWhiteSpace(ModelOverride) ? requestedModel : ModelOverride;

    public static ModelProvider Create(IServiceProvider services)
    {
        var options = services.GetRequiredService<IOptions<AiGatewayOptions>>().Value;
        var provider = (options.Provider ?? "").Trim().ToLowerInvariant();
        return provider switch
        {
            AiProviderNames.Simulated => new ModelProvider(
                AiProviderNames.Simulated,
                new SimulatedChatClient(() => services.GetRequiredService<IOptionsMonitor<AiGatewayOptions>>().CurrentValue.Simulated),
                modelOverride: null,
                isBilled: false),
            AiProviderNames.OpenAI => new ModelProvider(
                AiProviderNames.OpenAI,
                CreateOpenAIClient(options, services.GetRequiredService<IHttpClientFactory>().CreateClient(UpstreamHttpClientName)),
                options.Model,
                isBilled: true),
            // Unreachable after options validation; kept for a clear message if validation is bypassed.
            _ => throw new InvalidOperationException(
                $"AI:Provider '{options.Provider}' is not supported. Valid values: {string.Join(", ", AiProviderNames.All)}."),
        };
    }

    private static IChatClient CreateOpenAIClient(AiGatewayOptions options, HttpClient http)
    {
        // An empty key is fine for Ollama; the client library insists on a non-empty credential.
        var key = string.IsNullOrEmpty(options.ApiKey) ? "unused" : options.ApiKey;
        var clientOptions = new OpenAIClientOptions
        {
            Endpoint = new Uri(options.BaseUrl!),
            Transport = new HttpClientPipelineTransport(http),
            // No retries here: 429/503 are passed through (with Retry-After) to the caller, whose client retries.
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
            // Long generations take minutes; the caller's own timeout and cancellation still apply.
            NetworkTimeout = TimeSpan.FromMinutes(10),
        };
        return new OpenAI.Chat.ChatClient(options.Model!, new ApiKeyCredential(key), clientOptions).AsIChatClient();
    }
}

/// <summary>An upstream failure with the HTTP status the caller should see (429/503 are passed through with Retry-After).</summary>
public class ProviderException(int statusCode, string message, TimeSpan? retryAfter = null, Exception? inner = null)
    : Exception(message, inner)
{
    public int StatusCode { get; } = statusCode;
    public TimeSpan? RetryAfter { get; } = retryAfter;
}
