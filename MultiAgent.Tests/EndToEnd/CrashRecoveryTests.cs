using System.Net.Http.Json;
using Aspire.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MultiAgent.Contracts;
using MultiAgent.Contracts.Api;
using MultiAgent.Tests.Scenarios;

namespace MultiAgent.Tests.EndToEnd;

/// <summary>
/// The scripted platform of its own: the crash test kills the Orchestrator and restarts the broker, which no other test should
/// have to live through.
/// </summary>
public sealed class CrashPlatform : ScriptedPlatform
{
    // A workflow that lost a command to the broker's restart is picked up after 45 s of no progress, not the default minutes.
    protected override async Task<IReadOnlyList<string>> AppHostArgumentsAsync() =>
        [.. await base.AppHostArgumentsAsync(), "--Workflow:StallAfter=00:00:45"];
}

[CollectionDefinition(Name)]
public sealed class CrashCollection : ICollectionFixture<CrashPlatform>
{
    public const string Name = "crash-platform";
}

/// <summary>
/// Nothing is lost and nothing is done twice: the workflow lives in Postgres and durable queues, not in a process's memory.
/// Tasks in flight survive a kill -9 of the Orchestrator and a restart of RabbitMQ, each ending completed with one solution
/// per subtask version, one final answer, and no model call billed twice.
/// </summary>
[Collection(CrashCollection.Name)]
[Trait("Category", "AppHost")]
public class CrashRecoveryTests(CrashPlatform platform)
{
    private const int Tasks = 6;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Tasks_in_flight_survive_an_Orchestrator_kill_and_a_RabbitMQ_restart()
    {
        using var api = await platform.CreateUserClientAsync();
        var created = new List<TaskCreatedResponse>();
        for (var i = 0; i < Tasks; i++)
        {
            var title = $"Survives crashes {i} {Guid.NewGuid():N}";
            platform.Script(title).Latency = TimeSpan.FromMilliseconds(500);
            created.Add(await PlatformFixture.SubmitAsync(api, title, "Draft a go-to-market plan for a small bakery opening a second shop downtown."));
        }
        await PlatformFixture.WaitForStatusAsync(api, created[0].TaskId, t => t.CurrentStage >= TaskStage.SpecialistExecution, PlatformFixture.TaskTimeout);

        // A crash, not a graceful stop: kill the Orchestrator's whole process tree while specialists are at work. Nobody starts
        // it again here: the AppHost restarts a crashed service by itself, as the container platform does when deployed.
        Assert.True(platform.App.ResourceNotifications.TryGetCurrentState("orchestrator", out var orchestrator));
        var pid = orchestrator.Snapshot.Properties.Single(p => p.Name == "executable.pid").Value;
        System.Diagnostics.Process.GetProcessById(Convert.ToInt32(pid)).Kill(entireProcessTree: true);
        await platform.App.ResourceNotifications.WaitForResourceAsync("orchestrator",
            e => e.Snapshot.State?.Text is "Exited" or "Finished" or "FailedToStart", Ct);
        await platform.App.ResourceNotifications.WaitForResourceAsync("orchestrator", KnownResourceStates.Running, Ct);
        await platform.App.ResourceNotifications.WaitForResourceHealthyAsync("orchestrator", Ct);

        // Then the broker goes away and comes back while the tasks go on (its data directory keeps the durable queues).
        var commands = platform.App.Services.GetRequiredService<ResourceCommandService>();
        var stopped = await commands.ExecuteCommandAsync("rabbitmq", KnownResourceCommands.StopCommand, Ct);
        Assert.True(stopped.Success, stopped.Message);
        await platform.App.ResourceNotifications.WaitForResourceAsync("rabbitmq",
            e => e.Snapshot.State?.Text is "Exited" or "Finished" or "Stopped", Ct);
        await Task.Delay(TimeSpan.FromSeconds(2), Ct);
        var restarted = await commands.ExecuteCommandAsync("rabbitmq", KnownResourceCommands.StartCommand, Ct);
        Assert.True(restarted.Success, restarted.Message);
        await platform.App.ResourceNotifications.WaitForResourceHealthyAsync("rabbitmq", Ct);

        foreach (var task in created)
        {
            TaskDetails done;
            try
            {
                done = await PlatformFixture.WaitForStatusAsync(api, task.TaskId, t => t.Status.IsTerminal(), TimeSpan.FromMinutes(3));
            }
            catch (TimeoutException timeout)
            {
                throw new TimeoutException($"{timeout.Message}\n{await DescribeWorkflowAsync(task.TaskId)}", timeout);
            }
            Assert.True(done.Status == TaskStatus.Completed, $"Task {task.TaskId} ended {done.Status}: {done.Error}");
        }

        await using var db = await platform.CreateDbContextAsync();
        var ids = created.Select(c => c.TaskId).ToList();
        var solutions = await db.Solutions.Where(s => ids.Contains(s.TaskId)).ToListAsync(Ct);
        foreach (var taskId in ids)
        {
            // Redelivered steps reuse their stored results: one solution per subtask version, one final answer.
            var own = solutions.Where(s => s.TaskId == taskId).ToList();
            Assert.Single(own, s => s.SolutionType == SolutionTypes.Final);
            Assert.Equal(own.Count, own.Select(s => (s.SubtaskId, s.SolutionType, s.Version)).Distinct().Count());
            // A model call repeated after the crash carries the same idempotency key: billed once.
            var calls = await platform.ModelCallsAsync(taskId);
            Assert.Equal(calls.Count, calls.Select(c => c.IdempotencyKey).Distinct().Count());
        }

        // And the platform goes on taking new work.
        var after = await PlatformFixture.SubmitAsync(api, $"After the crashes {Guid.NewGuid():N}", "Summarise what a bakery needs before opening a second shop.");
        TaskDetails afterDone;
        try
        {
            afterDone = await PlatformFixture.WaitForStatusAsync(api, after.TaskId, t => t.Status.IsTerminal(), PlatformFixture.TaskTimeout);
        }
        catch (TimeoutException timeout)
        {
            throw new TimeoutException($"{timeout.Message}\n{await DescribeWorkflowAsync(after.TaskId)}", timeout);
        }
        Assert.True(afterDone.Status == TaskStatus.Completed, $"A task submitted after the restarts ended {afterDone.Status}: {afterDone.Error}");
    }

    [Fact]
    public async Task The_AppHost_starts_a_crashed_service_again_but_leaves_a_stopped_one_stopped()
    {
        // The web front end: nothing else in this collection uses it.
        var notifications = platform.App.ResourceNotifications;
        var commands = platform.App.Services.GetRequiredService<ResourceCommandService>();
        await notifications.WaitForResourceHealthyAsync("web", Ct);

        Assert.True(notifications.TryGetCurrentState("web", out var web));
        var pid = Convert.ToInt32(web.Snapshot.Properties.Single(p => p.Name == "executable.pid").Value);
        System.Diagnostics.Process.GetProcessById(pid).Kill(entireProcessTree: true);
        int? exitCode = null;
        await notifications.WaitForResourceAsync("web", e =>
        {
            exitCode = e.Snapshot.ExitCode;
            return e.Snapshot.State?.Text is "Exited" or "Finished";
        }, Ct);
        Assert.NotEqual(0, exitCode);
        await notifications.WaitForResourceAsync("web", KnownResourceStates.Running, Ct);
        await notifications.WaitForResourceHealthyAsync("web", Ct);
        Assert.True(notifications.TryGetCurrentState("web", out var back));
        Assert.NotEqual(pid.ToString(System.Globalization.CultureInfo.InvariantCulture),
            back.Snapshot.Properties.SingleOrDefault(p => p.Name == "executable.pid")?.Value?.ToString());

        var stopped = await commands.ExecuteCommandAsync("web", KnownResourceCommands.StopCommand, Ct);
        Assert.True(stopped.Success, stopped.Message);
        await notifications.WaitForResourceAsync("web", e => e.Snapshot.State?.Text is "Exited" or "Finished", Ct);
        // Well past the restart pause (2 s): a stop someone asked for is not a crash.
        await Task.Delay(CrashRestarterPause * 4, Ct);
        Assert.True(notifications.TryGetCurrentState("web", out var after));
        Assert.True(after.Snapshot.State?.Text is "Exited" or "Finished", $"The stopped web front end is {after.Snapshot.State?.Text}.");

        var started = await commands.ExecuteCommandAsync("web", KnownResourceCommands.StartCommand, Ct);
        Assert.True(started.Success, started.Message);
        await notifications.WaitForResourceHealthyAsync("web", Ct);
    }

    /// <summary>The AppHost's first pause before it restarts a crashed service (CrashRestarter.FirstDelay).</summary>
    private static readonly TimeSpan CrashRestarterPause = TimeSpan.FromSeconds(2);

    /// <summary>What a person would look at when a task hangs: its saga's state and the broker's queues.</summary>
    private async Task<string> DescribeWorkflowAsync(string taskId)
    {
        var text = new System.Text.StringBuilder();
        await using (var db = await platform.CreateDbContextAsync())
        {
            var saga = await db.TaskWorkflows.AsNoTracking().SingleOrDefaultAsync(w => w.TaskId == taskId, CancellationToken.None);
            text.AppendLine(saga is null ? "No saga row." : $"Saga: {saga.CurrentState} v{saga.Version} updated {saga.UpdatedAt:O}: {saga.Data}");
        }
        try
        {
            // The AMQP URI carries the credentials; the management API takes the same ones.
            var amqp = new Uri((await platform.App.GetConnectionStringAsync("rabbitmq", CancellationToken.None))!);
            var management = platform.App.GetEndpoint("rabbitmq", "management");
            using var http = new HttpClient { BaseAddress = management };
            http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Basic",
                Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(Uri.UnescapeDataString(amqp.UserInfo))));
            var queues = await http.GetFromJsonAsync<System.Text.Json.JsonElement>("/api/queues?columns=name,messages_ready,messages_unacknowledged,consumers", CancellationToken.None);
            foreach (var queue in queues.EnumerateArray())
            {
                text.AppendLine($"Queue {queue.GetProperty("name")}: ready {queue.GetProperty("messages_ready")}, " +
                    $"unacked {queue.GetProperty("messages_unacknowledged")}, consumers {queue.GetProperty("consumers")}");
            }
        }
        catch (Exception ex)
        {
            text.AppendLine($"The broker's queues could not be read: {ex.Message}");
        }
        return text.ToString();
    }
}
