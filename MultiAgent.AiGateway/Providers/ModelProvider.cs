using System.ClientModel;
using System.ClientModel.Primitives;
using System.Collections.Concurrent;
using Anthropic;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;
using MultiAgent.AiGateway.Resilience;
using MultiAgent.AiGateway.Simulated;
using OpenAI;

namespace MultiAgent.AiGateway.Providers;

/// <summary>
/// One configured provider: its <see cref="IChatClient"/> per model, its circuit breaker (in this replica), and its
/// settings. Calls to it are retried, rate limited and broken by <c>ChatExecutor</c>, not by the SDKs (their own retries are off).
/// </summary>
public sealed class ModelProvider : IDisposable
{
    private readonly ConcurrentDictionary<string, IChatClient> _clients = new(StringComparer.Ordinal);
    private readonly Func<string, IChatClient> _create;
    private readonly IDisposable? _owned;

    public ModelProvider(string name, string type, ProviderOptions options, Func<string, IChatClient> create, TimeProvider time, IDisposable? owned = null)
    {
        Name = name;
        Type = type;
        Options = options;
        _create = create;
        _owned = owned;
        Breaker = new CircuitBreaker(options.BreakerFailureThreshold, TimeSpan.FromSeconds(options.BreakerBreakSeconds), time);
    }

    public string Name { get; }

    /// <summary><see cref="AiProviderTypes"/>.</summary>
    public string Type { get; }

    public ProviderOptions Options { get; }

    public CircuitBreaker Breaker { get; }

    /// <summary>False for the simulated model: its calls cost nothing.</summary>
    public bool IsBilled => Type != AiProviderTypes.Simulated;

    public bool HasLimits => Options.Rpm is > 0 || Options.Tpm is > 0;

    public IChatClient ClientFor(string model) => _clients.GetOrAdd(model, _create);

    public void Dispose()
    {
        foreach (var client in _clients.Values) client.Dispose();
        _owned?.Dispose();
    }
}

/// <summary>Every configured provider by name, built once at startup from <c>AI:Providers</c> (plus the built-in simulated one).</summary>
public sealed class ProviderRegistry : IDisposable
{
    private readonly Dictionary<string, ModelProvider> _providers;

    public ProviderRegistry(IOptions<AiGatewayOptions> options, IOptionsMonitor<AiGatewayOptions> monitor, TimeProvider time)
    {
        _providers = new Dictionary<string, ModelProvider>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, settings) in EffectiveProviders(options.Value))
        {
            _providers[name] = Create(name, settings, monitor, time);
        }
    }

    public IReadOnlyCollection<ModelProvider> All => _providers.Values;

    public ModelProvider? Find(string name) => _providers.GetValueOrDefault(name);

    /// <summary>The configured providers, names lower-cased, plus <c>simulated</c> when no provider of that name is configured.</summary>
    public static IReadOnlyDictionary<string, ProviderOptions> EffectiveProviders(AiGatewayOptions options)
    {
        var result = options.Providers.ToDictionary(p => p.Key.Trim().ToLowerInvariant(), p => p.Value, StringComparer.OrdinalIgnoreCase);
        result.TryAdd(AiGatewayOptions.SimulatedProviderName, new ProviderOptions { Type = AiProviderTypes.Simulated });
        return result;
    }

    private static ModelProvider Create(string name, ProviderOptions settings, IOptionsMonitor<AiGatewayOptions> monitor, TimeProvider time)
    {
        var type = settings.Type.Trim().ToLowerInvariant();
        switch (type)
        {
            case AiProviderTypes.Simulated:
            {
                var simulated = new SimulatedChatClient(() => monitor.CurrentValue.Simulated, time);
                return new ModelProvider(name, type, settings, _ => simulated, time);
            }
            case AiProviderTypes.OpenAI:
            {
                var http = CreateHttpClient(settings);
                var client = new OpenAIClient(
                    new ApiKeyCredential(string.IsNullOrEmpty(settings.ApiKey) ? "unused" : settings.ApiKey),
                    new OpenAIClientOptions
                    {
                        Endpoint = new Uri(settings.BaseUrl!),
                        Transport = new HttpClientPipelineTransport(http),
                        // The gateway retries (per provider, with backoff and Retry-After) and times out attempts itself.
                        RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
                        NetworkTimeout = Timeout.InfiniteTimeSpan,
                    });
                return new ModelProvider(name, type, settings, model => client.GetChatClient(model).AsIChatClient(), time, http);
            }
            case AiProviderTypes.Anthropic:
            {
                var http = CreateHttpClient(settings);
                var client = new AnthropicClient(new Anthropic.Core.ClientOptions
                {
                    ApiKey = settings.ApiKey ?? "",
                    BaseUrl = string.IsNullOrWhiteSpace(settings.BaseUrl) ? "https://api.anthropic.com" : settings.BaseUrl.TrimEnd('/'),
                    HttpClient = http,
                    MaxRetries = 0,
                    Timeout = Timeout.InfiniteTimeSpan,
                });
                return new ModelProvider(name, type, settings, model => client.AsIChatClient(model), time, http);
            }
            default:
                // Unreachable after options validation.
                throw new InvalidOperationException($"AI:Providers:{name}:Type '{settings.Type}' is not one of {string.Join(", ", AiProviderTypes.All)}.");
        }
    }

    private static HttpClient CreateHttpClient(ProviderOptions settings) =>
        new(new UpstreamResponseCapture(settings.ApiKeyHeader, settings.ApiKey)
        {
            InnerHandler = new SocketsHttpHandler
            {
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
                ConnectTimeout = TimeSpan.FromSeconds(10),
            },
        })
        {
            // Attempts are timed out by the executor (AI:Providers:<name>:TimeoutSeconds); streams may run for minutes.
            Timeout = Timeout.InfiniteTimeSpan,
        };

    public void Dispose()
    {
        foreach (var provider in _providers.Values) provider.Dispose();
    }
}
