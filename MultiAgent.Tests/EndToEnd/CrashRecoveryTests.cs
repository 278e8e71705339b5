using Aspire.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MultiAgent.Contracts;

namespace MultiAgent.Tests.EndToEnd;

/// <summary>Nothing is lost: the workflow lives in Postgres and durable queues, not in the Orchestrator's memory.</summary>
[Trait("Category", "AppHost")]
[Collection(PlatformCollection.Name)]
public class CrashRecoveryTests(PlatformFixture platform)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Orchestrator_restarted_mid_task_continues_the_task_where_it_stopped()
    {
        using var api = await platform.CreateUserClientAsync();
        var created = await PlatformFixture.SubmitAsync(api, "Task that survives a restart",
            "Draft a go-to-market plan for a small bakery opening a second shop downtown. [[sim:latency=700]]");

        await PlatformFixture.WaitForStatusAsync(api, created.TaskId, t => t.CurrentStage == Stages.SpecialistExecution, PlatformFixture.TaskTimeout);

        // A crash, not a graceful stop: kill the Orchestrator's whole process tree while specialists are at work.
        Assert.True(platform.App.ResourceNotifications.TryGetCurrentState("orchestrator", out var orchestrator));
        var pid = orchestrator.Snapshot.Properties.Single(p => p.Name == "executable.pid").Value;
        System.Diagnostics.Process.GetProcessById(Convert.ToInt32(pid)).Kill(entireProcessTree: true);
        await platform.App.ResourceNotifications.WaitForResourceAsync("orchestrator",
            e => e.Snapshot.State?.Text is "Exited" or "Finished" or "FailedToStart", Ct);
        await Task.Delay(TimeSpan.FromSeconds(2), Ct);

        var commands = platform.App.Services.GetRequiredService<ResourceCommandService>();
        var started = await commands.ExecuteCommandAsync("orchestrator", KnownResourceCommands.StartCommand, Ct);
        Assert.True(started.Success, started.Message);
        await platform.App.ResourceNotifications.WaitForResourceHealthyAsync("orchestrator", Ct);

        var done = await PlatformFixture.WaitForStatusAsync(api, created.TaskId, t => TaskStatuses.IsTerminal(t.Status), PlatformFixture.TaskTimeout);
        Assert.True(done.Status == TaskStatuses.Completed, $"Task ended {done.Status}: {done.Error}");

        await using var db = await platform.CreateDbContextAsync();
        // Redelivered steps reuse their stored results: one solution per subtask version, one final answer.
        var solutions = await db.Solutions.Where(s => s.TaskId == created.TaskId).ToListAsync(Ct);
        Assert.Single(solutions, s => s.SolutionType == SolutionTypes.Final);
        Assert.Equal(solutions.Count, solutions.Select(s => (s.SubtaskId, s.SolutionType, s.Version)).Distinct().Count());
    }
}
