using System.ClientModel;
using System.ClientModel.Primitives;
using System.Net.Http.Headers;
using Aspire.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MultiAgent.AiGateway.Ledger;
using MultiAgent.Tests.AppHost;
using MultiAgent.Tests.Support;
using OpenAI;
using OpenAI.Chat;

namespace MultiAgent.Tests.AiGateway;

/// <summary>
/// The real AppHost running only the AiGateway (two replicas behind its endpoint) with the real Postgres and Redis, its
/// routes pointed at a <see cref="FakeModelServer"/> this fixture starts. Every provider is configured the way a user
/// would, through the AppHost's own configuration (<c>--AI:...</c>) and its secret parameters (<c>ai-&lt;provider&gt;-api-key</c>).
/// Each test uses providers of its own (<see cref="Providers"/>), so scripts never cross.
/// </summary>
public sealed class GatewayPlatformFixture : IAsyncLifetime
{
    public static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(4);

    /// <summary>Price of the <c>priced-model</c>: $1000 per 1M tokens each way, $0.001 a token.</summary>
    public const decimal PricePerToken = 0.001m;

    /// <summary>Fake upstreams (OpenAI protocol unless named in <see cref="AnthropicProviders"/>), each a provider of the same name.</summary>
    public static readonly string[] Providers = ["fa", "fb", "flaky", "backup", "cut", "after", "idem", "usage", "cache", "budget", "rpm", "tpm"];

    public static readonly string[] AnthropicProviders = ["claude"];

    /// <summary>Routes: name → targets.</summary>
    public static readonly Dictionary<string, string[]> Routes = new()
    {
        ["fallback"] = ["fa/model-a", "fb/model-b"],
        ["breaker"] = ["flaky/model-f", "backup/model-b"],
        ["cut"] = ["cut/model-c", "after/model-d"],
        ["idem"] = ["idem/model-i"],
        ["usage"] = ["usage/priced-model"],
        ["cache"] = ["cache/model-k"],
        ["budget"] = ["budget/priced-model"],
        ["rpm"] = ["rpm/model-r"],
        ["tpm"] = ["tpm/model-t"],
        ["claude"] = ["claude/claude-sonnet-4-5"],
    };

    public const int Rpm = 5;
    public const int Tpm = 600;

    private TestAppHost? _host;
    private DistributedApplication? _app;

    public FakeModelServer Fake { get; private set; } = null!;

    public DistributedApplication App => _app ?? throw new InvalidOperationException("Not started.");

    public string GatewayKey { get; private set; } = "";

    public static string ProviderKey(string provider) => $"key-of-{provider}-0123456789";

    public async ValueTask InitializeAsync()
    {
        using var cts = new CancellationTokenSource(StartTimeout);
        Fake = await FakeModelServer.StartAsync();

        var args = new List<string> { "--AiGateway:Replicas=2", "--AI:Prices:priced-model:Input=1000", "--AI:Prices:priced-model:Output=1000" };
        foreach (var provider in Providers.Concat(AnthropicProviders))
        {
            var anthropic = AnthropicProviders.Contains(provider);
            args.Add($"--AI:Providers:{provider}:Type={(anthropic ? "anthropic" : "openai")}");
            args.Add($"--AI:Providers:{provider}:BaseUrl={(anthropic ? Fake.AnthropicBaseUrl(provider) : Fake.OpenAIBaseUrl(provider))}");
            args.Add($"--Parameters:ai-{provider}-api-key={ProviderKey(provider)}");
        }
        args.AddRange([
            "--AI:Providers:flaky:MaxAttempts=1", "--AI:Providers:flaky:BreakerFailureThreshold=2", "--AI:Providers:flaky:BreakerBreakSeconds=2",
            "--AI:Providers:cut:MaxAttempts=1",
            $"--AI:Providers:rpm:Rpm={Rpm}", "--AI:Providers:rpm:QueueTimeoutSeconds=0",
            $"--AI:Providers:tpm:Tpm={Tpm}", "--AI:Providers:tpm:QueueTimeoutSeconds=0",
        ]);
        foreach (var (route, targets) in Routes)
        {
            for (var i = 0; i < targets.Length; i++) args.Add($"--AI:Routes:{route}:{i}={targets[i]}");
        }

        _host = await TestAppHost.CreateAsync(args: args, cancellationToken: cts.Token);
        foreach (var unused in _host.Builder.Resources
                     .Where(r => r.Name is "api" or "orchestrator" or "web" or "migrations" or "rabbitmq" or "multiagentdb").ToList())
        {
            _host.Builder.Resources.Remove(unused);
        }

        _app = await _host.StartAsync(cts.Token);
        await App.ResourceNotifications.WaitForResourceHealthyAsync("aigateway", cts.Token);
        ReplicaEndpoints = await FindReplicasAsync(cts.Token);
        GatewayKey = await App.Services.GetRequiredService<DistributedApplicationModel>().Resources
            .OfType<ParameterResource>().Single(p => p.Name == "aigateway-api-key").GetValueAsync(cts.Token) ?? "";
    }

    /// <summary>
    /// Each gateway replica's own address. Aspire's proxy in front of replicas sends every request to one of them
    /// (dotnet/aspire#6640), so tests that need both balance across these themselves, as a load balancer would.
    /// </summary>
    public IReadOnlyList<Uri> ReplicaEndpoints { get; private set; } = [];

    private async Task<IReadOnlyList<Uri>> FindReplicasAsync(CancellationToken cancellationToken)
    {
        var urls = new Dictionary<string, Uri>();
        await foreach (var e in App.ResourceNotifications.WatchAsync(cancellationToken))
        {
            if (e.Resource.Name != "aigateway" || e.Snapshot.State?.Text != KnownResourceStates.Running) continue;
            var value = e.Snapshot.EnvironmentVariables.FirstOrDefault(v => v.Name == "ASPNETCORE_URLS")?.Value;
            if (value is null) continue;
            urls[e.ResourceId] = new Uri(value.Split(';')[0].Replace("+", "localhost", StringComparison.Ordinal).Replace("*", "localhost", StringComparison.Ordinal));
            if (urls.Count == 2) break;
        }
        return urls.Values.ToList();
    }

    /// <summary>Plain HTTP to one replica (index modulo the replica count), with the gateway key.</summary>
    public HttpClient CreateReplicaClient(int index)
    {
        var http = new HttpClient { BaseAddress = ReplicaEndpoints[index % ReplicaEndpoints.Count], Timeout = TimeSpan.FromMinutes(2) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", GatewayKey);
        return http;
    }

    public async ValueTask DisposeAsync()
    {
        if (_host is not null) await _host.DisposeAsync();
        if (Fake is not null) await Fake.DisposeAsync();
    }

    /// <summary>Plain HTTP to the gateway (through the endpoint both replicas serve), with the gateway key.</summary>
    public HttpClient CreateClient()
    {
        var http = App.CreateHttpClient("aigateway");
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", GatewayKey);
        http.Timeout = TimeSpan.FromMinutes(2);
        return http;
    }

    /// <summary>The official OpenAI client for <paramref name="model"/> (a route name), sending <paramref name="headers"/> with every call.</summary>
    public ChatClient OpenAIClient(string model, IReadOnlyDictionary<string, string>? headers = null)
    {
        var http = App.CreateHttpClient("aigateway");
        foreach (var (name, value) in headers ?? new Dictionary<string, string>()) http.DefaultRequestHeaders.Add(name, value);
        return new ChatClient(model, new ApiKeyCredential(GatewayKey), new OpenAIClientOptions
        {
            Endpoint = new Uri(App.GetEndpoint("aigateway", "http"), "/v1"),
            Transport = new HttpClientPipelineTransport(http),
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
        });
    }

    /// <summary>
    /// The ledger entries of a task, waiting until at least <paramref name="atLeast"/> are written (entries are written in
    /// batches off the request path, by whichever replica served the call).
    /// </summary>
    public async Task<List<LedgerEntry>> LedgerAsync(string taskId, int atLeast = 1, TimeSpan? timeout = null)
    {
        var connectionString = await App.GetConnectionStringAsync("aigatewaydb") ?? throw new InvalidOperationException("No aigatewaydb.");
        await using var db = new LedgerDbContext(new DbContextOptionsBuilder<LedgerDbContext>().UseNpgsql(connectionString).Options);
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(15));
        while (true)
        {
            var rows = await db.Usage.AsNoTracking().Where(u => u.TaskId == taskId).OrderBy(u => u.CreatedAt).ToListAsync();
            if (rows.Count >= atLeast || DateTime.UtcNow > deadline) return rows;
            await Task.Delay(100);
        }
    }

    public static string NewTaskId() => "task_" + Guid.NewGuid().ToString("N")[..12];
}

[CollectionDefinition(Name)]
public sealed class GatewayPlatformCollection : ICollectionFixture<GatewayPlatformFixture>
{
    public const string Name = "gateway-platform";
}
