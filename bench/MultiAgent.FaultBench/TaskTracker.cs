using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using MultiAgent.Contracts;
using MultiAgent.Contracts.Api;

namespace MultiAgent.FaultBench;

/// <summary>
/// The bench's view of the platform, through the public REST API only: signs users up, submits their tasks, and polls each
/// user's task list. The Api may be down at any moment (it is one of the faults): every call tolerates that, and a poll that
/// cannot reach it leaves the last known state in place.
/// </summary>
internal sealed class TaskTracker(Func<HttpClient> createClient)
{
    private readonly List<BenchUser> _users = [];
    private readonly ConcurrentDictionary<string, TaskSummary> _tasks = new();

    /// <summary>Task id to the user who submitted it; only tasks whose submission was answered 201.</summary>
    public ConcurrentDictionary<string, BenchUser> Submitted { get; } = new();

    public ConcurrentBag<string> SubmitErrors { get; } = [];

    /// <summary>The latest state of each submitted task the Api has shown.</summary>
    public IReadOnlyDictionary<string, TaskSummary> Tasks => _tasks;

    /// <summary>When the last poll got through to the Api (every user's list answered).</summary>
    public DateTimeOffset LastAnswered { get; private set; }

    /// <summary>How many polls could not reach the Api, or were refused by it.</summary>
    public int FailedPolls { get; private set; }

    public int Terminal => Submitted.Keys.Count(id => _tasks.TryGetValue(id, out var t) && t.Status.IsTerminal());

    /// <summary>Where each task stands: its status, stage and progress (not its event sequence, which a retry notice also moves).</summary>
    public IReadOnlyDictionary<string, (TaskStatus, TaskStage, int)> Positions() =>
        _tasks.ToDictionary(t => t.Key, t => (t.Value.Status, t.Value.CurrentStage, t.Value.Progress));

    /// <summary>How many tasks have moved (or appeared) since <paramref name="before"/>.</summary>
    public int MovedSince(IReadOnlyDictionary<string, (TaskStatus, TaskStage, int)> before) =>
        _tasks.Count(t => !before.TryGetValue(t.Key, out var was) || was != (t.Value.Status, t.Value.CurrentStage, t.Value.Progress));

    /// <summary>The sum of the tasks' progress (percent), for the timeline.</summary>
    public long Progress => _tasks.Values.Sum(t => (long)t.Progress);

    public async Task RegisterUsersAsync(int count, string run, CancellationToken cancellationToken)
    {
        using var http = createClient();
        for (var i = 0; i < count; i++)
        {
            var email = $"faults-{run}-{i}@bench.multiagent.local";
            var password = $"Bench-{run}-Password-1!";
            var registered = await http.PostAsJsonAsync("/api/v1/auth/register", new { email, password, display_name = $"Faults {i}" }, JsonDefaults.Options, cancellationToken);
            if (registered.StatusCode != HttpStatusCode.Created)
                throw new InvalidOperationException($"POST /api/v1/auth/register answered {(int)registered.StatusCode}: {await registered.Content.ReadAsStringAsync(cancellationToken)}");
            var user = new BenchUser(email, password);
            await user.SignInAsync(http, cancellationToken);
            _users.Add(user);
        }
    }

    /// <summary>Submits <paramref name="count"/> tasks spread over the users (at most 16 requests at once).</summary>
    public async Task SubmitAsync(int count, CancellationToken cancellationToken)
    {
        using var http = createClient();
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken },
            async (i, ct) =>
            {
                var user = _users[i % _users.Count];
                var body = new
                {
                    title = $"Fault bench task {i}",
                    description = "Compare two ways to cache the results of an expensive web API and recommend one for a small team.",
                    priority = "medium",
                };
                try
                {
                    using var response = await user.SendAsync(http, () => new HttpRequestMessage(HttpMethod.Post, "/api/v1/tasks")
                    {
                        Content = JsonContent.Create(body, options: JsonDefaults.Options),
                    }, ct);
                    if (response.StatusCode != HttpStatusCode.Created)
                    {
                        SubmitErrors.Add($"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(ct)}");
                        return;
                    }
                    var created = (await response.Content.ReadFromJsonAsync<TaskCreatedResponse>(JsonDefaults.Options, ct))!;
                    Submitted[created.TaskId] = user;
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
                {
                    SubmitErrors.Add(ex.Message);
                }
            });
    }

    /// <summary>Reads every user's task list once; false when the Api could not be reached or refused (state kept as it was).</summary>
    public async Task<bool> PollAsync(CancellationToken cancellationToken)
    {
        using var http = createClient();
        http.Timeout = TimeSpan.FromSeconds(10);
        var ok = true;
        foreach (var user in _users)
        {
            try
            {
                using var response = await user.SendAsync(http, () => new HttpRequestMessage(HttpMethod.Get, "/api/v1/tasks?limit=100"), cancellationToken);
                if (!response.IsSuccessStatusCode)
                {
                    ok = false;
                    continue;
                }
                var list = (await response.Content.ReadFromJsonAsync<TaskListResponse>(JsonDefaults.Options, cancellationToken))!;
                foreach (var task in list.Tasks) _tasks[task.TaskId] = task;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                ok = false;
            }
        }
        if (ok) LastAnswered = DateTimeOffset.UtcNow;
        else FailedPolls++;
        return ok;
    }

    /// <summary>One task through GET /api/v1/tasks/{id}: its details, or null when the Api says it does not exist.</summary>
    public async Task<TaskDetails?> GetAsync(string taskId, CancellationToken cancellationToken)
    {
        using var http = createClient();
        using var response = await Submitted[taskId].SendAsync(http, () => new HttpRequestMessage(HttpMethod.Get, $"/api/v1/tasks/{taskId}"), cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound) return null;
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<TaskDetails>(JsonDefaults.Options, cancellationToken);
    }
}

/// <summary>A signed-up user; signs in again when its access token has expired (they live 15 minutes).</summary>
internal sealed class BenchUser(string email, string password)
{
    private string? _token;

    public string Email => email;

    public async Task SignInAsync(HttpClient http, CancellationToken cancellationToken)
    {
        using var response = await http.PostAsJsonAsync("/api/v1/auth/token", new { email, password }, JsonDefaults.Options, cancellationToken);
        if (!response.IsSuccessStatusCode)
            throw new HttpRequestException($"POST /api/v1/auth/token answered {(int)response.StatusCode}", null, response.StatusCode);
        _token = (await response.Content.ReadFromJsonAsync<TokenResponse>(JsonDefaults.Options, cancellationToken))!.AccessToken;
    }

    public async Task<HttpResponseMessage> SendAsync(HttpClient http, Func<HttpRequestMessage> request, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            if (_token is null) await SignInAsync(http, cancellationToken);
            using var message = request();
            message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _token);
            var response = await http.SendAsync(message, cancellationToken);
            if (response.StatusCode != HttpStatusCode.Unauthorized || attempt > 0) return response;
            response.Dispose();
            _token = null;
        }
    }
}
