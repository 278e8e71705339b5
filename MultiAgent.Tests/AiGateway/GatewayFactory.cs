using System.ClientModel;
using System.ClientModel.Primitives;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MultiAgent.AiGateway.Ledger;
using MultiAgent.AiGateway.Providers;
using MultiAgent.Tests.Support;
using OpenAI;
using OpenAI.Chat;

namespace MultiAgent.Tests.AiGateway;

/// <summary>
/// The gateway in-process (TestServer) against the real Postgres (its own ledger database) and Redis of a
/// <see cref="GatewayInfrastructureFixture"/>. Defaults: the simulated provider, directives allowed, the response cache off
/// (tests that share Redis would otherwise answer each other's identical prompts); <see cref="Settings"/> go over them.
/// </summary>
public sealed class GatewayFactory(GatewayInfrastructureFixture infrastructure) : WebApplicationFactory<ModelProvider>
{
    /// <summary>The caller key configured by default (<c>AiGateway:ApiKeys:0</c>); clients from this factory send it.</summary>
    public const string ApiKey = "test-gateway-key-0123456789";

    /// <summary>The key <see cref="WebApplicationFactory{T}.CreateClient()"/> and <see cref="OpenAIChatClient"/> send; null sends none.</summary>
    public string? ClientKey { get; init; } = ApiKey;

    /// <summary>Configuration over the defaults.</summary>
    public Dictionary<string, string?> Settings { get; init; } = [];

    /// <summary>Extra service registrations, applied after the gateway's own.</summary>
    public Action<IServiceCollection>? ConfigureServices { get; init; }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("ConnectionStrings:aigatewaydb", infrastructure.LedgerConnectionString);
        builder.UseSetting("ConnectionStrings:redis", infrastructure.RedisConnectionString);
        builder.UseSetting("AI:Cache:Enabled", "false");
        builder.UseSetting("AiGateway:ApiKeys:0", ApiKey);
        foreach (var (key, value) in Settings)
        {
            builder.UseSetting(key, value);
        }
        builder.ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
        if (ConfigureServices is not null) builder.ConfigureTestServices(ConfigureServices);
    }

    /// <summary>Every client of this factory sends <see cref="ClientKey"/> as <c>Authorization: Bearer</c>, as OpenAI clients do.</summary>
    protected override void ConfigureClient(HttpClient client)
    {
        base.ConfigureClient(client);
        if (ClientKey is not null)
        {
            client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", ClientKey);
        }
    }

    /// <summary>The real OpenAI .NET client, pointed at the gateway's /v1 over the in-memory transport, sending <paramref name="key"/> (default <see cref="ClientKey"/>).</summary>
    public ChatClient OpenAIChatClient(string model, string? taskId = null, string? agentId = null, string? key = null, IReadOnlyDictionary<string, string>? headers = null)
    {
        var http = CreateClient();
        if (taskId is not null) http.DefaultRequestHeaders.Add("X-MultiAgent-Task-Id", taskId);
        if (agentId is not null) http.DefaultRequestHeaders.Add("X-MultiAgent-Agent-Id", agentId);
        foreach (var (name, value) in headers ?? new Dictionary<string, string>()) http.DefaultRequestHeaders.Add(name, value);
        return new ChatClient(model, new ApiKeyCredential(key ?? ClientKey ?? ApiKey), new OpenAIClientOptions
        {
            Endpoint = new Uri(http.BaseAddress!, "/v1"),
            Transport = new HttpClientPipelineTransport(http),
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
        });
    }

    /// <summary>The ledger entries of a task, once this gateway has written what it queued.</summary>
    public async Task<List<LedgerEntry>> LedgerAsync(string taskId)
    {
        await Services.GetRequiredService<LedgerWriter>().FlushAsync(TimeSpan.FromSeconds(10), CancellationToken.None);
        await using var scope = Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<LedgerDbContext>().Usage.AsNoTracking()
            .Where(u => u.TaskId == taskId).OrderBy(u => u.CreatedAt).ToListAsync();
    }

    public static string NewTaskId() => "task_" + Guid.NewGuid().ToString("N")[..12];
}
