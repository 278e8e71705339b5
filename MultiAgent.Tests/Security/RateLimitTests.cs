using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using MultiAgent.Contracts;
using MultiAgent.Tests.EndToEnd;

namespace MultiAgent.Tests.Security;

/// <summary>A platform of its own with low limits, so every limit can be reached quickly and seen to reset.</summary>
public sealed class LowLimitPlatform : PlatformFixture
{
    public const int RequestsPerMinute = 40;
    public const int ConcurrentTasks = 4;

    /// <summary>Every model call takes 5 s here, so tasks stay in progress long enough to fill the concurrent-task limit.</summary>
    protected override Task<IReadOnlyList<string>> AppHostArgumentsAsync() => Task.FromResult<IReadOnlyList<string>>(["--AI:Simulated:LatencyMs=5000"]);

    protected override IReadOnlyDictionary<string, string> ApiEnvironment { get; } = new Dictionary<string, string>
    {
        ["RateLimits__ApiRequestsPerMinute"] = RequestsPerMinute.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["RateLimits__ConcurrentTasks"] = ConcurrentTasks.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}

[CollectionDefinition(Name)]
public sealed class LowLimitCollection : ICollectionFixture<LowLimitPlatform>
{
    public const string Name = "low-limit-platform";
}

[Trait("Category", "AppHost")]
[Collection(LowLimitCollection.Name)]
[Trait("Category", "AppHost")]
public class RateLimitTests(LowLimitPlatform platform)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task AssertLimitedAsync(HttpResponseMessage response, int limit)
    {
        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Equal(limit.ToString(), response.Headers.GetValues("X-RateLimit-Limit").Single());
        Assert.Equal("0", response.Headers.GetValues("X-RateLimit-Remaining").Single());
        var reset = long.Parse(response.Headers.GetValues("X-RateLimit-Reset").Single());
        Assert.True(reset > DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 1);
        Assert.True(response.Headers.RetryAfter?.Delta > TimeSpan.Zero);

        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        var root = body.RootElement;
        Assert.Equal("RateLimitExceeded", root.GetProperty("error").GetString());
        Assert.False(string.IsNullOrWhiteSpace(root.GetProperty("message").GetString()));
        Assert.Equal(limit, root.GetProperty("limit").GetInt32());
        Assert.True(root.GetProperty("current").GetInt32() > limit);
        Assert.True(root.GetProperty("retry_after").GetInt32() > 0);
        Assert.True(DateTimeOffset.Parse(root.GetProperty("reset_at").GetString()!) > DateTimeOffset.UtcNow.AddSeconds(-1));
    }

    [Fact]
    public async Task Api_requests_over_the_minute_limit_are_refused_until_the_window_resets()
    {
        using var api = await platform.CreateUserClientAsync();
        HttpResponseMessage? refused = null;
        for (var i = 0; i < LowLimitPlatform.RequestsPerMinute * 2 && refused is null; i++)
        {
            var response = await api.GetAsync("/api/v1/tasks", Ct);
            if (response.StatusCode == HttpStatusCode.TooManyRequests) refused = response;
            else Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        Assert.NotNull(refused);
        await AssertLimitedAsync(refused, LowLimitPlatform.RequestsPerMinute);

        // The window resets: once Retry-After has passed, requests are served again.
        await Task.Delay(refused.Headers.RetryAfter!.Delta!.Value + TimeSpan.FromSeconds(1), Ct);
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync("/api/v1/tasks", Ct)).StatusCode);
    }

    [Fact]
    public async Task Concurrent_tasks_over_the_global_limit_are_refused()
    {
        var clients = new List<HttpClient>();
        var created = new List<(HttpClient Api, string TaskId)>();
        try
        {
            HttpResponseMessage? refused = null;
            for (var i = 0; i < LowLimitPlatform.ConcurrentTasks + 1 && refused is null; i++)
            {
                var api = await platform.CreateUserClientAsync();
                clients.Add(api);
                var response = await api.PostAsJsonAsync("/api/v1/tasks",
                    new { title = $"Long task {i}", description = "A slow task that keeps running for a while." }, JsonDefaults.Options, Ct);
                if (response.StatusCode == HttpStatusCode.TooManyRequests) refused = response;
                else created.Add((api, (await response.Content.ReadFromJsonAsync<Contracts.Api.TaskCreatedResponse>(JsonDefaults.Options, Ct))!.TaskId));
            }

            Assert.NotNull(refused);
            Assert.Equal(LowLimitPlatform.ConcurrentTasks, created.Count);
            await AssertLimitedAsync(refused, LowLimitPlatform.ConcurrentTasks);
        }
        finally
        {
            foreach (var (api, taskId) in created) await api.DeleteAsync($"/api/v1/tasks/{taskId}", Ct);
            foreach (var api in clients) api.Dispose();
        }
    }
}
