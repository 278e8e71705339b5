using System.Diagnostics;
using System.Text.Json;
using MultiAgent.Contracts;
using MultiAgent.FaultBench;

// Faults under load: hosts the real AppHost (processes mode, fresh data directory, simulated model with latency), submits N tasks
// through the public REST API, and while they run kills -9 the Orchestrator, the AiGateway and the Api and restarts RabbitMQ,
// Redis and Postgres, one after the other. Then it waits for every task to end and checks that all completed, none was lost,
// no solution or usage row was stored twice and no model call was paid for twice. Exit code 1 when a check fails.
// See docs/benchmarks.md ("Faults under load") and bench/faults.sh.
var options = FaultOptions.Parse(args);
if (options is null)
{
    Console.WriteLine(FaultOptions.Usage);
    return 2;
}

Directory.CreateDirectory(options.ResultsDirectory);
var clock = Stopwatch.StartNew();
var timeline = new List<Sample>();
var faults = new List<FaultResult>();
// The whole run is bounded: a platform that never recovers ends the bench with a report, not a hang.
using var cts = new CancellationTokenSource(options.Timeout + TimeSpan.FromMinutes(30));
var ct = cts.Token;

Log($"fault bench: {options.Tasks} tasks from {options.Users} users, model latency {options.LatencyMs} ms, " +
    $"faults: {string.Join(" → ", options.Faults.Select(f => f.Name))}; results in {options.ResultsDirectory}");

Log("starting the platform (processes mode, fresh data directory)");
await using var platform = await FaultPlatform.StartAsync(options, ct);
Log("platform healthy");

var tracker = new TaskTracker(platform.CreateApiClient);
var run = Guid.NewGuid().ToString("N")[..8];
await tracker.RegisterUsersAsync(options.Users, run, ct);
var submitStarted = clock.Elapsed;
await tracker.SubmitAsync(options.Tasks, ct);
Log($"submitted {tracker.Submitted.Count} of {options.Tasks} tasks in {(clock.Elapsed - submitStarted).TotalSeconds:F1} s" +
    (tracker.SubmitErrors.IsEmpty ? "" : $" ({tracker.SubmitErrors.Count} refused, first: {tracker.SubmitErrors.First()})"));

// The first fault comes once specialists are at work somewhere (every stage then has tasks in it), or after a minute.
var firstDeadline = clock.Elapsed + TimeSpan.FromMinutes(1);
while (clock.Elapsed < firstDeadline && !tracker.Tasks.Values.Any(t => t.CurrentStage >= TaskStage.SpecialistExecution))
{
    await PollAsync();
    await Task.Delay(1000, ct);
}

foreach (var fault in options.Faults)
{
    await PollAsync();
    var inFlight = tracker.Submitted.Count - tracker.Terminal;
    Log($"{fault.Name}: {inFlight} task(s) in flight");
    var injected = clock.Elapsed;
    string? error = null;
    try
    {
        using var faultTimeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        faultTimeout.CancelAfter(TimeSpan.FromMinutes(5));
        await platform.InjectAsync(fault, options.Down, faultTimeout.Token);
    }
    catch (Exception ex) when (!ct.IsCancellationRequested)
    {
        error = $"{ex.GetType().Name}: {ex.Message}";
        Log($"  {fault.Resource} did not come back: {error}");
    }
    var healthy = clock.Elapsed;

    // Recovered: the Api answers and, after the restart, shows a task moving again (or every task has ended). For the Api
    // itself, answering again is the recovery: the work behind it went on.
    var answered = await PollAsync();
    var positionsAtRestart = tracker.Positions();
    TimeSpan? recovered = answered && fault.Resource == "api" ? clock.Elapsed - injected : null;
    var deadline = clock.Elapsed + TimeSpan.FromMinutes(5);
    while (error is null && recovered is null && clock.Elapsed < deadline)
    {
        if (await PollAsync() && (tracker.MovedSince(positionsAtRestart) > 0 || tracker.Terminal == tracker.Submitted.Count
                                  || fault.Resource == "api"))
        {
            recovered = clock.Elapsed - injected;
            break;
        }
        await Task.Delay(500, ct);
    }
    var result = new FaultResult(fault.Name, inFlight, Seconds(healthy - injected), recovered is { } r ? Seconds(r) : null, error);
    faults.Add(result);
    Log($"  {fault.Resource} healthy after {result.HealthySeconds:F1} s, platform progressing after " +
        (result.RecoveredSeconds is { } s ? $"{s:F1} s" : "— (did not recover within 5 minutes)"));

    var pauseUntil = clock.Elapsed + options.Pause;
    while (clock.Elapsed < pauseUntil)
    {
        await PollAsync();
        await Task.Delay(1000, ct);
    }
}

Log("faults done; waiting for every task to end");
var waitUntil = clock.Elapsed + options.Timeout;
var lastReport = clock.Elapsed;
while (clock.Elapsed < waitUntil && tracker.Terminal < tracker.Submitted.Count)
{
    await PollAsync();
    if (clock.Elapsed - lastReport > TimeSpan.FromSeconds(30))
    {
        lastReport = clock.Elapsed;
        Log($"  {tracker.Terminal} of {tracker.Submitted.Count} ended");
    }
    await Task.Delay(2000, ct);
}
var allEnded = clock.Elapsed;

// Every task the Api accepted, as the Api sees it now: lost when it no longer knows it.
var ended = new Dictionary<string, TaskStatus>();
var lost = new List<string>();
foreach (var taskId in tracker.Submitted.Keys)
{
    var details = await tracker.GetAsync(taskId, ct);
    if (details is null) lost.Add(taskId);
    else ended[taskId] = details.Status;
}
var completed = ended.Where(e => e.Value == TaskStatus.Completed).Select(e => e.Key).ToList();
var failed = ended.Count(e => e.Value == TaskStatus.Failed);
var cancelled = ended.Count(e => e.Value == TaskStatus.Cancelled);
var stuck = ended.Count(e => !e.Value.IsTerminal());

// The gateway writes its ledger in batches just after each call: give the last batch a moment.
await Task.Delay(TimeSpan.FromSeconds(3), ct);
var checks = new List<Check>
{
    new("every submission accepted", tracker.SubmitErrors.IsEmpty && tracker.Submitted.Count == options.Tasks,
        $"{tracker.Submitted.Count} of {options.Tasks} accepted" + (tracker.SubmitErrors.IsEmpty ? "" : $", first refusal: {tracker.SubmitErrors.First()}")),
    new("every task completed", completed.Count == tracker.Submitted.Count,
        $"completed {completed.Count}, failed {failed}, cancelled {cancelled}, stuck {stuck}, lost {lost.Count}"),
    new("no task lost", lost.Count == 0, lost.Count == 0 ? "none" : string.Join(", ", lost.Take(5))),
    new("every fault recovered", faults.All(f => f.RecoveredSeconds is not null),
        string.Join("; ", faults.Where(f => f.RecoveredSeconds is null).Select(f => f.Fault + (f.Error is null ? "" : $" ({f.Error})"))) is { Length: > 0 } bad ? bad : "all"),
};
checks.AddRange(await Checks.SolutionsAsync(platform, completed, ct));
var (ledgerChecks, ledger) = await Checks.LedgerAsync(platform, tracker.Submitted.Keys.ToList(), ct);
checks.AddRange(ledgerChecks);

var failures = ended.Where(e => e.Value != TaskStatus.Completed).Select(e => e.Key).Take(5).ToList();
var failureReasons = new List<string>();
foreach (var taskId in failures)
{
    if (await tracker.GetAsync(taskId, ct) is { } details)
        failureReasons.Add($"{taskId}: {details.Status.Name()} at {(details.StoppedAtStage ?? details.CurrentStage).Name()}: {details.Error}");
}

var report = new FaultReport(options.Tasks, options.Users, options.LatencyMs, tracker.Submitted.Count, completed.Count, failed, cancelled, stuck, lost.Count,
    Seconds(allEnded - submitStarted), tracker.FailedPolls, faults, ledger, checks, failureReasons);
report.Print();
await File.WriteAllTextAsync(Path.Combine(options.ResultsDirectory, "summary.md"), report.Markdown(), CancellationToken.None);
await File.WriteAllTextAsync(Path.Combine(options.ResultsDirectory, "summary.json"), JsonSerializer.Serialize(report, JsonDefaults.Options), CancellationToken.None);
await File.WriteAllLinesAsync(Path.Combine(options.ResultsDirectory, "timeline.csv"),
    ["seconds,api_answered,ended,progress", .. timeline.Select(s => $"{s.Seconds:F1},{(s.Answered ? 1 : 0)},{s.Ended},{s.Progress}")], CancellationToken.None);
Log("stopping the platform");
return checks.All(c => c.Passed) ? 0 : 1;

async Task<bool> PollAsync()
{
    var answered = await tracker.PollAsync(ct);
    timeline.Add(new Sample(clock.Elapsed.TotalSeconds, answered, tracker.Terminal, tracker.Progress));
    return answered;
}

void Log(string message) => Console.WriteLine($"[{clock.Elapsed:mm\\:ss}] {message}");

static double Seconds(TimeSpan span) => Math.Round(span.TotalSeconds, 1);

internal sealed record Sample(double Seconds, bool Answered, int Ended, long Progress);
