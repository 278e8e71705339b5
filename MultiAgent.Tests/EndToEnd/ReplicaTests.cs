using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using MultiAgent.Contracts;
using MultiAgent.Contracts.Api;
using MultiAgent.Contracts.Events;
using MultiAgent.Orchestrator.Agents;
using MultiAgent.Tests.Scenarios;

namespace MultiAgent.Tests.EndToEnd;

/// <summary>The scripted platform with two Orchestrators and two AiGateways on the same queues, databases and Redis.</summary>
public sealed class ReplicatedPlatform : ScriptedPlatform
{
    protected override async Task<IReadOnlyList<string>> AppHostArgumentsAsync() =>
        [.. await base.AppHostArgumentsAsync(), "--Orchestrator:Replicas=2", "--AiGateway:Replicas=2"];
}

[CollectionDefinition(Name)]
public sealed class ReplicatedCollection : ICollectionFixture<ReplicatedPlatform>
{
    public const string Name = "replicated-platform";
}

/// <summary>
/// Scale-out keeps the workflow's promises: with two Orchestrators competing for the saga's and the steps' messages and two
/// gateways sharing the ledger, each task completes once, its events arrive in order without gaps, every model call is
/// billed once, and a cancellation stops the work on whichever replica holds it.
/// </summary>
[Collection(ReplicatedCollection.Name)]
[Trait("Category", "AppHost")]
public class ReplicaTests(ReplicatedPlatform platform)
{
    private const int Tasks = 4;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Tasks_complete_once_each_with_ordered_events_and_one_ledger_row_per_call()
    {
        var user = await platform.RegisterUserAsync();
        using var api = platform.CreateClient(user.Tokens.AccessToken);
        var titles = Enumerable.Range(0, Tasks).Select(i => $"Two replicas {i} {Guid.NewGuid():N}").ToList();
        foreach (var title in titles)
        {
            var script = platform.Script(title);
            script.Latency = TimeSpan.FromMilliseconds(150);
            script.Subtasks = 3;
            script.Dependencies = "chain";
        }
        var created = new List<TaskCreatedResponse>();
        foreach (var title in titles)
        {
            created.Add(await PlatformFixture.SubmitAsync(api, title, "Research the market, then design the product, then price it."));
        }

        // One task watched over SignalR from its first event to its last.
        await using var hub = new TaskEventsTests.HubListener(platform.CreateHub(user.Tokens.AccessToken));
        await hub.SubscribeAsync(created[0].TaskId);

        var finals = new List<TaskDetails>();
        foreach (var task in created)
        {
            var done = await PlatformFixture.WaitForStatusAsync(api, task.TaskId, t => t.Status.IsTerminal(), PlatformFixture.TaskTimeout);
            Assert.True(done.Status == TaskStatus.Completed, $"Task {task.TaskId} ended {done.Status}: {done.Error}");
            Assert.Equal([1, 2, 3], done.Subtasks.Select(s => s.Phase).Order());
            finals.Add(done);
        }

        await hub.WaitForEndAsync(TimeSpan.FromSeconds(30));
        var state = TaskEventsTests.AssertConsistent(hub.Snapshot!, hub.Events, finals[0]);
        Assert.Equal(finals[0].Sequence, state.Sequence);

        await using var db = await platform.CreateDbContextAsync();
        var ids = created.Select(c => c.TaskId).ToList();
        var solutions = await db.Solutions.Where(s => ids.Contains(s.TaskId)).ToListAsync(Ct);
        for (var i = 0; i < Tasks; i++)
        {
            var taskId = ids[i];
            var own = solutions.Where(s => s.TaskId == taskId).ToList();
            Assert.Single(own, s => s.SolutionType == SolutionTypes.Final);
            Assert.Equal(own.Count, own.Select(s => (s.SubtaskId, s.SolutionType, s.Version)).Distinct().Count());

            // Every call the model answered is in the ledger once, whichever gateway took it.
            var answered = platform.Script(titles[i]).Calls.Count;
            var billed = await platform.ModelCallsAsync(taskId, atLeast: answered);
            Assert.Equal(answered, billed.Count);
            Assert.Equal(billed.Count, billed.Select(c => c.IdempotencyKey).Distinct().Count());
        }
    }

    [Fact]
    public async Task A_task_cancelled_during_its_specialists_work_stops_on_every_replica()
    {
        using var api = await platform.CreateUserClientAsync();
        var title = $"Cancelled on replicas {Guid.NewGuid():N}";
        var script = platform.Script(title);
        script.Latency = TimeSpan.FromMilliseconds(400);
        script.Subtasks = 4;
        // The specialists' calls wait until the cancel is in, so the task is certainly in their stage when it arrives.
        var held = script.Hold<SpecialistAnswer>();
        var created = await PlatformFixture.SubmitAsync(api, title, "Plan a small conference for 200 people.");

        await held.Reached.WaitAsync(PlatformFixture.TaskTimeout, Ct);
        var cancel = await api.DeleteAsync($"/api/v1/tasks/{created.TaskId}", Ct);
        held.Release();
        Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        Assert.Equal(TaskStatus.Cancelled, (await cancel.Content.ReadFromJsonAsync<CancelTaskResponse>(JsonDefaults.Options, Ct))!.Status);

        // Calls in flight when the task was cancelled may finish (a step that read the task just before the cancel can reach
        // the model seconds later on a loaded machine); after that the model hears nothing more of this task.
        await Task.Delay(TimeSpan.FromSeconds(5), Ct);
        var callsAfterCancel = script.Calls.Count;
        await Task.Delay(TimeSpan.FromSeconds(4), Ct);
        Assert.Equal(callsAfterCancel, script.Calls.Count);

        var final = (await api.GetFromJsonAsync<TaskDetails>($"/api/v1/tasks/{created.TaskId}", JsonDefaults.Options, Ct))!;
        Assert.Equal((TaskStatus.Cancelled, TaskStage.Cancelled, TaskStage.SpecialistExecution), (final.Status, final.CurrentStage, final.StoppedAtStage));
        Assert.DoesNotContain(final.Subtasks, s => s.Status is SubtaskStatus.InProgress or SubtaskStatus.InReview or SubtaskStatus.Assigned);
    }
}
