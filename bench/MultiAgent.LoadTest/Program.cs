using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using MultiAgent.Contracts;
using MultiAgent.Contracts.Api;
using MultiAgent.Contracts.Events;
using MultiAgent.LoadTest;
using Npgsql;

// Drives a running platform through its public API only: signs up users, submits tasks (all at once, at a rate, or one at
// a time), follows them to their end through the task-list events, and prints throughput, latencies, lost tasks, Postgres
// transactions per task, CPU per task and peak memory per service. See bench/README.md.
var options = LoadOptions.Parse(args);
if (options is null)
{
    Console.WriteLine(LoadOptions.Usage);
    return 2;
}

var json = JsonDefaults.Configure(new JsonSerializerOptions(JsonSerializerDefaults.Web));
using var http = new HttpClient { BaseAddress = options.Api, Timeout = TimeSpan.FromSeconds(60) };
var run = Guid.NewGuid().ToString("N")[..8];
var machine = new MachineProbe();

Console.WriteLine($"load test {options.Label}: {options.Tasks} task(s), {Describe(options)}, {options.Users} user(s), api {options.Api}");

// --- Users, each with a task-list subscription (the platform's own live events tell us when tasks end) ---
var users = new List<User>();
var finished = new ConcurrentDictionary<string, (TaskStatus Status, DateTimeOffset At)>();
for (var i = 0; i < options.Users; i++)
{
    var email = $"load-{run}-{i}@bench.multiagent.local";
    const string password = "Bench-Password-123!";
    var registered = await http.PostAsJsonAsync("/api/v1/auth/register", new { email, password, display_name = $"Load {i}" }, json);
    registered.EnsureSuccessStatusCode();
    var token = (await (await http.PostAsJsonAsync("/api/v1/auth/token", new { email, password }, json)).EnsureSuccessStatusCode()
        .Content.ReadFromJsonAsync<TokenResponse>(json))!;
    var hub = new HubConnectionBuilder()
        .WithUrl(new Uri(options.Api, TaskEventNames.HubPath), o => o.AccessTokenProvider = () => Task.FromResult<string?>(token.AccessToken))
        .AddJsonProtocol(o => JsonDefaults.Configure(o.PayloadSerializerOptions))
        .WithAutomaticReconnect()
        .Build();
    hub.On<TaskStatusUpdateEvent>(TaskEventNames.TaskStatusUpdate, e =>
    {
        if (e.Status.IsTerminal()) finished.TryAdd(e.TaskId, (e.Status, DateTimeOffset.UtcNow));
    });
    await hub.StartAsync();
    await hub.InvokeAsync("SubscribeToTaskList");
    users.Add(new User(email, token.AccessToken, hub));
}

// --- Baseline of the machine ---
var xactsBefore = await PostgresTransactionsAsync(options.Postgres);
var cpuBefore = machine.CpuSeconds();

var submitted = new ConcurrentDictionary<string, DateTimeOffset>();
var submitLatency = new ConcurrentBag<double>();
var readLatency = new ConcurrentBag<double>();
var submitErrors = new ConcurrentBag<string>();
var started = DateTimeOffset.UtcNow;
using var stop = new CancellationTokenSource();
var sampler = Task.Run(() => SampleAsync(stop.Token));

async Task SubmitAsync(int index)
{
    var user = users[index % users.Count];
    using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/tasks")
    {
        Content = JsonContent.Create(new
        {
            title = $"Load task {index}",
            description = "Compare two ways to cache the results of an expensive web API and recommend one for a small team.",
            priority = "medium",
        }, options: json),
    };
    request.Headers.Authorization = new("Bearer", user.Token);
    var at = DateTimeOffset.UtcNow;
    var clock = Stopwatch.StartNew();
    using var response = await http.SendAsync(request);
    submitLatency.Add(clock.Elapsed.TotalMilliseconds);
    if (!response.IsSuccessStatusCode)
    {
        submitErrors.Add($"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return;
    }
    var created = (await response.Content.ReadFromJsonAsync<TaskCreatedResponse>(json))!;
    submitted[created.TaskId] = at;
    user.Tasks.Add(created.TaskId);
}

// --- Submission: all at once, at a steady rate, or one after another ---
if (options.OneAtATime)
{
    for (var i = 0; i < options.Tasks; i++)
    {
        await SubmitAsync(i);
        var last = submitted.OrderByDescending(s => s.Value).First().Key;
        await WaitAsync(() => finished.ContainsKey(last), TimeSpan.FromSeconds(options.TimeoutSeconds));
    }
}
else if (options.Rate > 0)
{
    var interval = TimeSpan.FromSeconds(1.0 / options.Rate);
    var pending = new List<Task>();
    var clock = Stopwatch.StartNew();
    for (var i = 0; i < options.Tasks; i++)
    {
        var due = interval * i;
        if (clock.Elapsed < due) await Task.Delay(due - clock.Elapsed);
        pending.Add(SubmitAsync(i));
    }
    await Task.WhenAll(pending);
}
else
{
    await Parallel.ForEachAsync(Enumerable.Range(0, options.Tasks), new ParallelOptions { MaxDegreeOfParallelism = 64 }, async (i, _) => await SubmitAsync(i));
}

// --- Follow every task to its end (events; a slow poll of the lists catches anything an event did not say) ---
var deadline = DateTimeOffset.UtcNow.AddSeconds(options.TimeoutSeconds);
while (DateTimeOffset.UtcNow < deadline && submitted.Keys.Any(id => !finished.ContainsKey(id)))
{
    await Task.Delay(TimeSpan.FromSeconds(5));
    foreach (var user in users)
    {
        foreach (var taskId in user.Tasks.Where(id => !finished.ContainsKey(id)).Take(20).ToList())
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/tasks/{taskId}");
            request.Headers.Authorization = new("Bearer", user.Token);
            using var response = await http.SendAsync(request);
            if (!response.IsSuccessStatusCode) continue;
            var task = (await response.Content.ReadFromJsonAsync<TaskDetails>(json))!;
            if (task.Status.IsTerminal()) finished.TryAdd(taskId, (task.Status, task.CompletedAt ?? DateTimeOffset.UtcNow));
        }
    }
}
stop.Cancel();
await sampler;

// pg_stat_database counts what backends report, which they do within a second or so of a transaction.
await Task.Delay(TimeSpan.FromSeconds(2));
var cpuAfter = machine.CpuSeconds();
var xactsAfter = await PostgresTransactionsAsync(options.Postgres);

// --- Report ---
var ends = submitted.Keys.Where(finished.ContainsKey).Select(id => (Id: id, finished[id].Status, E2E: (finished[id].At - submitted[id]).TotalMilliseconds, End: finished[id].At)).ToList();

// With a known model latency: each completed task's model time on its critical path (every call that had to wait for the
// one before it), and what the platform added on top.
Percentiles? overhead = null, criticalPath = null;
if (options.ModelLatencyMs is { } latency)
{
    var paths = new List<double>();
    var overheads = new List<double>();
    foreach (var end in ends.Where(e => e.Status == TaskStatus.Completed).Take(200))
    {
        var user = users.First(u => u.Tasks.Contains(end.Id));
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/tasks/{end.Id}");
        request.Headers.Authorization = new("Bearer", user.Token);
        using var response = await http.SendAsync(request);
        if (!response.IsSuccessStatusCode) continue;
        var task = (await response.Content.ReadFromJsonAsync<TaskDetails>(json))!;
        var modelTime = CriticalPathCalls(task) * latency;
        paths.Add(modelTime);
        overheads.Add(end.E2E - modelTime);
    }
    overhead = Percentiles.Of(overheads);
    criticalPath = Percentiles.Of(paths);
}
var completed = ends.Count(e => e.Status == TaskStatus.Completed);
var failed = ends.Count(e => e.Status != TaskStatus.Completed);
var lost = submitted.Count - ends.Count;
var window = ends.Count == 0 ? 0 : (ends.Max(e => e.End) - started).TotalSeconds;
var report = new LoadReport(
    options.Label, options.Tasks, submitted.Count, completed, failed, lost, submitErrors.Count,
    window > 0 ? completed / window : 0,
    Percentiles.Of(ends.Select(e => e.E2E)),
    Percentiles.Of(submitLatency),
    Percentiles.Of(readLatency),
    overhead,
    criticalPath,
    xactsBefore is null || xactsAfter is null || completed == 0 ? null : (double)(xactsAfter.Value - xactsBefore.Value) / submitted.Count,
    MachineProbe.PerTask(cpuBefore, cpuAfter, submitted.Count),
    machine.PeakRssMegabytes);

report.Print();
if (submitErrors.Count > 0) Console.WriteLine($"first submit error: {submitErrors.First()}");

// Why tasks did not complete: their errors, most frequent first.
var reasons = new Dictionary<string, int>(StringComparer.Ordinal);
foreach (var end in ends.Where(e => e.Status != TaskStatus.Completed).Take(100))
{
    var user = users.First(u => u.Tasks.Contains(end.Id));
    using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/tasks/{end.Id}");
    request.Headers.Authorization = new("Bearer", user.Token);
    using var response = await http.SendAsync(request);
    var reason = response.IsSuccessStatusCode
        ? (await response.Content.ReadFromJsonAsync<TaskDetails>(json))!.Error ?? end.Status.ToString()
        : $"HTTP {(int)response.StatusCode} reading the task";
    reasons[reason] = reasons.GetValueOrDefault(reason) + 1;
}
foreach (var (reason, count) in reasons.OrderByDescending(r => r.Value))
{
    Console.WriteLine($"not completed ({count}): {reason}");
}
if (options.JsonPath is { } path) await File.AppendAllTextAsync(path, JsonSerializer.Serialize(report, json) + Environment.NewLine);
foreach (var user in users) await user.Hub.DisposeAsync();
return lost == 0 && failed == 0 && submitErrors.IsEmpty ? 0 : 1;

// Reads a random in-flight task now and then (read latency under load) and the services' memory every second.
async Task SampleAsync(CancellationToken cancellationToken)
{
    var random = new Random(1);
    while (!cancellationToken.IsCancellationRequested)
    {
        machine.SampleMemory();
        var inFlight = submitted.Keys.Where(id => !finished.ContainsKey(id)).ToList();
        if (inFlight.Count > 0)
        {
            var taskId = inFlight[random.Next(inFlight.Count)];
            var user = users.First(u => u.Tasks.Contains(taskId));
            using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/tasks/{taskId}");
            request.Headers.Authorization = new("Bearer", user.Token);
            var clock = Stopwatch.StartNew();
            try
            {
                using var response = await http.SendAsync(request, cancellationToken);
                if (response.IsSuccessStatusCode) readLatency.Add(clock.Elapsed.TotalMilliseconds);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
        try
        {
            await Task.Delay(500, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            return;
        }
    }
}

static async Task<long?> PostgresTransactionsAsync(string? connectionString)
{
    if (connectionString is null) return null;
    await using var connection = new NpgsqlConnection(connectionString);
    await connection.OpenAsync();
    await using var command = new NpgsqlCommand("SELECT sum(xact_commit + xact_rollback)::bigint FROM pg_stat_database", connection);
    return (long)(await command.ExecuteScalarAsync())!;
}

// Analysis, selection and decomposition; per phase, the slowest subtask's executions and reviews (one of each per version);
// then coordination, synthesis and the final review. A rejected final answer adds calls this does not see (rare here).
static int CriticalPathCalls(TaskDetails task) =>
    3 + task.Subtasks.GroupBy(s => s.Phase).Sum(phase => 2 * phase.Max(s => Math.Max(1, s.Version))) + 3;

static async Task WaitAsync(Func<bool> condition, TimeSpan timeout)
{
    var deadline = DateTime.UtcNow + timeout;
    while (!condition() && DateTime.UtcNow < deadline) await Task.Delay(20);
}

static string Describe(LoadOptions o) => o.OneAtATime ? "one at a time" : o.Rate > 0 ? $"{o.Rate.ToString(CultureInfo.InvariantCulture)}/s" : "all at once";

namespace MultiAgent.LoadTest
{
    internal sealed record User(string Email, string Token, HubConnection Hub)
    {
        public ConcurrentBag<string> Tasks { get; } = [];
    }
}
