using MultiAgent.Contracts;
using MultiAgent.Contracts.Api;
using MultiAgent.Tests.EndToEnd;

namespace MultiAgent.Tests.Scenarios;

/// <summary>A platform whose Orchestrator runs one message per step type at a time, so work queues up at once.</summary>
public sealed class SaturatedPlatform : PlatformFixture
{
    protected override IReadOnlyDictionary<string, string> OrchestratorEnvironment { get; } =
        new Dictionary<string, string> { ["Workflow__StepConcurrency"] = "1" };

    /// <summary>Each model call takes 150 ms, so the single consumer of each step type is the bottleneck and steps queue up.</summary>
    protected override Task<IReadOnlyList<string>> AppHostArgumentsAsync() => Task.FromResult<IReadOnlyList<string>>(["--AI:Simulated:LatencyMs=150"]);
}

[CollectionDefinition(Name)]
public sealed class SaturatedCollection : ICollectionFixture<SaturatedPlatform>
{
    public const string Name = "saturated-platform";
}

/// <summary>
/// Priority matters only when work waits: with the steps saturated, an urgent task submitted after a queue of low-priority
/// tasks overtakes them (RabbitMQ message priority on the step queues), where first-in-first-out would finish it last.
/// </summary>
[Collection(SaturatedCollection.Name)]
[Trait("Category", "AppHost")]
public class PriorityTests(SaturatedPlatform platform)
{
    private const int LowTasks = 6;

    [Fact]
    public async Task Under_saturation_an_urgent_task_overtakes_low_priority_tasks_queued_before_it()
    {
        using var first = await platform.CreateUserClientAsync("low");
        using var second = await platform.CreateUserClientAsync("urgent");
        var low = new List<(HttpClient Api, string TaskId)>();
        for (var i = 0; i < LowTasks; i++)
        {
            var created = await Submit(first, $"Low {i}", Priorities.Low);
            low.Add((first, created.TaskId));
        }
        var urgent = await Submit(second, "Urgent", Priorities.Urgent);

        var done = await PlatformFixture.WaitForStatusAsync(second, urgent.TaskId, t => t.Status.IsTerminal(), TimeSpan.FromMinutes(4));
        Assert.Equal(TaskStatus.Completed, done.Status);
        var lows = new List<TaskDetails>();
        foreach (var (api, taskId) in low)
        {
            lows.Add(await PlatformFixture.WaitForStatusAsync(api, taskId, t => t.Status.IsTerminal(), TimeSpan.FromMinutes(4)));
        }

        Assert.All(lows, t => Assert.Equal(TaskStatus.Completed, t.Status));
        var overtaken = lows.Count(t => t.CompletedAt > done.CompletedAt);
        Assert.True(overtaken >= LowTasks / 2,
            $"The urgent task finished at {done.CompletedAt:HH:mm:ss.fff}, after {LowTasks - overtaken} of the {LowTasks} low-priority tasks queued before it: " +
            string.Join(", ", lows.Select(t => t.CompletedAt?.ToString("HH:mm:ss.fff"))));
    }

    private static Task<TaskCreatedResponse> Submit(HttpClient api, string title, string priority) =>
        PlatformFixture.SubmitAsync(api, title, "Outline the parts of a short report.", priority: priority);
}
