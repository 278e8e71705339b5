using System.Net.Http.Headers;
using System.Net.Http.Json;
using Aspire.Hosting;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MultiAgent.Contracts;
using MultiAgent.Contracts.Api;
using MultiAgent.Contracts.Events;
using Microsoft.AspNetCore.SignalR.Client;
using MultiAgent.Data;
using MultiAgent.Tests.AppHost;

namespace MultiAgent.Tests.EndToEnd;

/// <summary>
/// The whole platform, started once for the collection by the real AppHost in processes mode (real Postgres, Redis and
/// RabbitMQ on free ports, in a throwaway data directory), with the simulated model's test directives enabled.
/// Every test brings its own user (signed up through the Api) and its own tasks.
/// </summary>
public class PlatformFixture : IAsyncLifetime
{
    public const string AdminEmail = "admin@multiagent.local";

    public static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(4);
    public static readonly TimeSpan TaskTimeout = TimeSpan.FromMinutes(3);

    private TestAppHost? _host;
    private DistributedApplication? _app;

    public DistributedApplication App => _app ?? throw new InvalidOperationException("The platform is not started.");

    public async ValueTask InitializeAsync()
    {
        using var cts = new CancellationTokenSource(StartTimeout);
        _host = await TestAppHost.CreateAsync(args: await AppHostArgumentsAsync(), cancellationToken: cts.Token);
        var api = _host.Builder.CreateResourceBuilder(_host.Builder.Resources.OfType<ProjectResource>().Single(r => r.Name == "api"));
        foreach (var (name, value) in ApiEnvironment)
        {
            api.WithEnvironment(name, value);
        }
        var orchestrator = _host.Builder.CreateResourceBuilder(_host.Builder.Resources.OfType<ProjectResource>().Single(r => r.Name == "orchestrator"));
        foreach (var (name, value) in OrchestratorEnvironment)
        {
            orchestrator.WithEnvironment(name, value);
        }
        _app = await _host.StartAsync(cts.Token);

        foreach (var resource in new[] { "api", "orchestrator", "aigateway", "web" })
        {
            await App.ResourceNotifications.WaitForResourceHealthyAsync(resource, cts.Token);
        }
    }

    /// <summary>
    /// Settings for the Api of this platform. Tests poll every 250 ms, so the per-minute request limit is raised; the
    /// task-creation limits stay as shipped (each test user creates a few tasks).
    /// </summary>
    protected virtual IReadOnlyDictionary<string, string> ApiEnvironment { get; } =
        new Dictionary<string, string> { ["RateLimits__ApiRequestsPerMinute"] = "6000" };

    /// <summary>Settings for the Orchestrator of this platform (none: as shipped).</summary>
    protected virtual IReadOnlyDictionary<string, string> OrchestratorEnvironment { get; } = new Dictionary<string, string>();

    /// <summary>More AppHost configuration for this platform (<c>--AI:...</c> and so on); none: as shipped.</summary>
    protected virtual Task<IReadOnlyList<string>> AppHostArgumentsAsync() => Task.FromResult<IReadOnlyList<string>>([]);

    public virtual async ValueTask DisposeAsync()
    {
        if (_host is not null) await _host.DisposeAsync();
    }

    /// <summary>A signed-up user: its id, credentials and the tokens of its first sign-in.</summary>
    public sealed record TestUser(string UserId, string Email, string Password, TokenResponse Tokens);

    public HttpClient CreateAnonymousClient() => App.CreateHttpClient("api");

    /// <summary>A client that sends <paramref name="accessToken"/> as its bearer token.</summary>
    public HttpClient CreateClient(string accessToken)
    {
        var client = CreateAnonymousClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        return client;
    }

    /// <summary>Signs up a fresh user (random email, strong password) and signs it in.</summary>
    public async Task<TestUser> RegisterUserAsync(string? userName = null)
    {
        var email = $"{userName ?? "user"}-{Guid.NewGuid():N}@test.multiagent.local";
        var password = $"Pw-{Guid.NewGuid():N}!A1";
        using var anonymous = CreateAnonymousClient();
        var registered = await anonymous.PostAsJsonAsync("/api/v1/auth/register", new { email, password, display_name = userName }, JsonDefaults.Options);
        var body = await registered.Content.ReadAsStringAsync();
        Assert.True(registered.StatusCode == System.Net.HttpStatusCode.Created, $"POST /auth/register answered {(int)registered.StatusCode}: {body}");
        var user = JsonSerializer.Deserialize<RegisterResponse>(body, JsonDefaults.Options)!;
        return new TestUser(user.UserId, email, password, await SignInAsync(email, password));
    }

    /// <summary>A client of a freshly signed-up user.</summary>
    public async Task<HttpClient> CreateUserClientAsync(string? userName = null) =>
        CreateClient((await RegisterUserAsync(userName)).Tokens.AccessToken);

    /// <summary>A client of the seeded admin, signed in with the AppHost's generated admin-password parameter.</summary>
    public async Task<HttpClient> CreateAdminClientAsync() =>
        CreateClient((await SignInAsync(AdminEmail, await GetAdminPasswordAsync())).AccessToken);

    public Task<string> GetAdminPasswordAsync() => GetParameterValueAsync("admin-password");

    /// <summary>The value of one of the AppHost's (generated, secret) parameters.</summary>
    public async Task<string> GetParameterValueAsync(string name)
    {
        var parameter = App.Services.GetRequiredService<DistributedApplicationModel>().Resources
            .OfType<ParameterResource>().Single(r => r.Name == name);
        return await parameter.GetValueAsync(CancellationToken.None)
            ?? throw new InvalidOperationException($"The {name} parameter has no value.");
    }

    /// <summary>A connection to the task events hub, authenticated with <paramref name="accessToken"/> when given (not started).</summary>
    public HubConnection CreateHub(string? accessToken) =>
        new HubConnectionBuilder()
            .WithUrl(new Uri(App.GetEndpoint("api", "http"), TaskEventNames.HubPath), options =>
            {
                if (accessToken is not null) options.AccessTokenProvider = () => Task.FromResult<string?>(accessToken);
            })
            .AddJsonProtocol(options => JsonDefaults.Configure(options.PayloadSerializerOptions))
            .Build();

    public async Task<TokenResponse> SignInAsync(string email, string password)
    {
        using var anonymous = CreateAnonymousClient();
        var response = await anonymous.PostAsJsonAsync("/api/v1/auth/token", new { email, password }, JsonDefaults.Options);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.OK, $"POST /auth/token answered {(int)response.StatusCode}: {body}");
        return JsonSerializer.Deserialize<TokenResponse>(body, JsonDefaults.Options)!;
    }

    public async Task<MultiAgentDbContext> CreateDbContextAsync()
    {
        var connectionString = await App.GetConnectionStringAsync("multiagentdb")
            ?? throw new InvalidOperationException("No connection string for multiagentdb.");
        return new MultiAgentDbContext(new DbContextOptionsBuilder<MultiAgentDbContext>().UseNpgsql(connectionString).Options);
    }

    /// <summary>The AiGateway's own ledger database (aigatewaydb): one row per model call.</summary>
    public async Task<MultiAgent.AiGateway.Ledger.LedgerDbContext> CreateLedgerDbContextAsync()
    {
        var connectionString = await App.GetConnectionStringAsync(MultiAgent.AiGateway.Ledger.LedgerDbContext.ConnectionName)
            ?? throw new InvalidOperationException("No connection string for aigatewaydb.");
        return new MultiAgent.AiGateway.Ledger.LedgerDbContext(
            new DbContextOptionsBuilder<MultiAgent.AiGateway.Ledger.LedgerDbContext>().UseNpgsql(connectionString).Options);
    }

    /// <summary>
    /// The successful model calls of a task in the gateway's ledger, once at least <paramref name="atLeast"/> are there
    /// (the gateway writes its ledger in batches, just after each call).
    /// </summary>
    public async Task<List<MultiAgent.AiGateway.Ledger.LedgerEntry>> ModelCallsAsync(string taskId, int atLeast = 1)
    {
        await using var ledger = await CreateLedgerDbContextAsync();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            var calls = await ledger.Usage.AsNoTracking().Where(u => u.TaskId == taskId && u.Outcome == "ok").ToListAsync();
            if (calls.Count >= atLeast || DateTime.UtcNow > deadline) return calls;
            await Task.Delay(100);
        }
    }

    public static async Task<TaskDetails> WaitForStatusAsync(HttpClient api, string taskId, Func<TaskDetails, bool> until, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        TaskDetails? last = null;
        try
        {
            while (true)
            {
                last = await api.GetFromJsonAsync<TaskDetails>($"/api/v1/tasks/{taskId}", JsonDefaults.Options, cts.Token);
                if (last is not null && until(last)) return last;
                await Task.Delay(250, cts.Token);
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"Task {taskId} did not reach the expected state within {timeout}; last seen: " +
                                       JsonSerializer.Serialize(last, JsonDefaults.Options));
        }
    }

    public static async Task<TaskCreatedResponse> SubmitAsync(HttpClient api, string title, string description, object? context = null,
        string priority = "high")
    {
        var response = await api.PostAsJsonAsync("/api/v1/tasks",
            new { title, description, priority, context = context ?? new { domain = "testing" } }, JsonDefaults.Options);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.Created, $"POST /tasks answered {(int)response.StatusCode}: {body}");
        return JsonSerializer.Deserialize<TaskCreatedResponse>(body, JsonDefaults.Options)!;
    }
}

[CollectionDefinition(Name)]
public sealed class PlatformCollection : ICollectionFixture<PlatformFixture>, ICollectionFixture<MultiAgent.Tests.Browser.BrowserFixture>
{
    public const string Name = "platform";
}
