using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using MultiAgent.Contracts;
using MultiAgent.Contracts.Api;
using MultiAgent.Tests.Scenarios;

namespace MultiAgent.Tests.EndToEnd;

/// <summary>Cancelling running work on the real platform, its model slowed down by the test's script.</summary>
[Collection(ScriptedCollection.Name)]
[Trait("Category", "AppHost")]
public class CancellationTests(ScriptedPlatform platform)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Cancelling_a_running_task_stops_it_and_a_finished_task_cannot_be_cancelled()
    {
        using var api = await platform.CreateUserClientAsync();
        // Every model call of this task is slow, so specialists are surely still at work.
        var title = $"Slow task to cancel {Guid.NewGuid():N}";
        platform.Script(title).Latency = TimeSpan.FromMilliseconds(2500);
        var created = await PlatformFixture.SubmitAsync(api, title, "Write a detailed competitive analysis of regional coffee chains.");

        await PlatformFixture.WaitForStatusAsync(api, created.TaskId, t => t.CurrentStage == TaskStage.SpecialistExecution, PlatformFixture.TaskTimeout);
        var cancel = await api.DeleteAsync($"/api/v1/tasks/{created.TaskId}", Ct);
        Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        var body = await cancel.Content.ReadFromJsonAsync<CancelTaskResponse>(JsonDefaults.Options, Ct);
        Assert.Equal(TaskStatus.Cancelled, body!.Status);

        // Late results of steps that were in flight must not revive the task.
        await Task.Delay(TimeSpan.FromSeconds(5), Ct);
        var after = await api.GetFromJsonAsync<TaskDetails>($"/api/v1/tasks/{created.TaskId}", JsonDefaults.Options, Ct);
        Assert.Equal(TaskStatus.Cancelled, after!.Status);

        await using (var db = await platform.CreateDbContextAsync())
        {
            // The specialists' model calls in flight were cancelled: none of their answers was stored.
            Assert.False(await db.Solutions.AnyAsync(s => s.TaskId == created.TaskId, Ct));
            Assert.Equal("Cancelled", (await db.TaskWorkflows.SingleAsync(w => w.TaskId == created.TaskId, Ct)).CurrentState);
        }

        var again = await api.DeleteAsync($"/api/v1/tasks/{created.TaskId}", Ct);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
    }

    [Fact]
    public async Task Agents_are_busy_while_they_work_and_idle_afterwards()
    {
        using var api = await platform.CreateUserClientAsync();
        var title = $"Keep the manager busy {Guid.NewGuid():N}";
        platform.Script(title).Latency = TimeSpan.FromSeconds(2);
        var created = await PlatformFixture.SubmitAsync(api, title, "Think carefully about the best way to organise a library.");

        await PlatformFixture.WaitForStatusAsync(api, created.TaskId, t => t.CurrentStage == TaskStage.TaskAnalysis, PlatformFixture.TaskTimeout);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        cts.CancelAfter(TimeSpan.FromSeconds(30));
        AgentStatusResponse? busy = null;
        while (busy is null)
        {
            var status = await api.GetFromJsonAsync<AgentStatusResponse>("/api/v1/agents/status", JsonDefaults.Options, cts.Token);
            if (status!.ByType.TryGetValue(AgentTypes.Manager, out var manager) && manager.Busy > 0) busy = status;
            else await Task.Delay(200, cts.Token);
        }
        Assert.True(busy.Busy >= 1);
        Assert.Equal(busy.TotalAgents, busy.Available + busy.Busy);

        // Cancelling stops the manager's call in flight, and the manager is idle again.
        await api.DeleteAsync($"/api/v1/tasks/{created.TaskId}", Ct);
        while (true)
        {
            var status = await api.GetFromJsonAsync<AgentStatusResponse>("/api/v1/agents/status", JsonDefaults.Options, cts.Token);
            if (status!.ByType.TryGetValue(AgentTypes.Manager, out var manager) && manager.Busy == 0) break;
            await Task.Delay(200, cts.Token);
        }
    }
}
