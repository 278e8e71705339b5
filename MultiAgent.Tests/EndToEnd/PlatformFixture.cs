using System.Net.Http.Json;
using Aspire.Hosting;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using MultiAgent.Contracts;
using MultiAgent.Contracts.Api;
using MultiAgent.Data;
using MultiAgent.Tests.AppHost;

namespace MultiAgent.Tests.EndToEnd;

/// <summary>
/// The whole platform, started once for the collection by the real AppHost in processes mode (real Postgres, Redis and
/// RabbitMQ on free ports, in a throwaway data directory), with the simulated model's test directives enabled.
/// Every test brings its own user and its own tasks.
/// </summary>
public sealed class PlatformFixture : IAsyncLifetime
{
    public static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(4);
    public static readonly TimeSpan TaskTimeout = TimeSpan.FromMinutes(3);

    private TestAppHost? _host;
    private DistributedApplication? _app;

    public DistributedApplication App => _app ?? throw new InvalidOperationException("The platform is not started.");

    public async ValueTask InitializeAsync()
    {
        using var cts = new CancellationTokenSource(StartTimeout);
        _host = await TestAppHost.CreateAsync(cancellationToken: cts.Token);
        var gateway = _host.Builder.Resources.OfType<ProjectResource>().Single(r => r.Name == "aigateway");
        _host.Builder.CreateResourceBuilder(gateway).WithEnvironment("AI__Simulated__AllowDirectives", "true");
        _app = await _host.StartAsync(cts.Token);

        foreach (var resource in new[] { "api", "orchestrator", "aigateway", "web" })
        {
            await App.ResourceNotifications.WaitForResourceHealthyAsync(resource, cts.Token);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_host is not null) await _host.DisposeAsync();
    }

    public HttpClient CreateApiClient(string userId)
    {
        var client = App.CreateHttpClient("api");
        client.DefaultRequestHeaders.Add("X-User-Id", userId);
        return client;
    }

    public async Task<MultiAgentDbContext> CreateDbContextAsync()
    {
        var connectionString = await App.GetConnectionStringAsync("multiagentdb")
            ?? throw new InvalidOperationException("No connection string for multiagentdb.");
        return new MultiAgentDbContext(new DbContextOptionsBuilder<MultiAgentDbContext>().UseNpgsql(connectionString).Options);
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

    public static async Task<TaskCreatedResponse> SubmitAsync(HttpClient api, string title, string description, object? context = null)
    {
        var response = await api.PostAsJsonAsync("/api/v1/tasks",
            new { title, description, priority = "high", context = context ?? new { domain = "testing" } }, JsonDefaults.Options);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.Created, $"POST /tasks answered {(int)response.StatusCode}: {body}");
        return JsonSerializer.Deserialize<TaskCreatedResponse>(body, JsonDefaults.Options)!;
    }
}

[CollectionDefinition(Name)]
public sealed class PlatformCollection : ICollectionFixture<PlatformFixture>
{
    public const string Name = "platform";
}
