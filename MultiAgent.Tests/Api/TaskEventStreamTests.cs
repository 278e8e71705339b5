using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Logging.Abstractions;
using MultiAgent.Api.RealTime;
using MultiAgent.Contracts;
using MultiAgent.Contracts.Api;
using MultiAgent.Contracts.Events;

namespace MultiAgent.Tests.Api;

/// <summary>
/// The live stream of one task only ever moves forward: events that arrive out of order (they travel through different
/// exchanges) are put back in order when the missing one comes soon, the task's stored state is sent when it does not, and
/// an event older than what was sent is not sent.
/// </summary>
public class TaskEventStreamTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static AgentActivityEvent Activity(string taskId, long sequence) =>
        new(taskId, sequence, "agent_manager", "manager", "step", $"event {sequence}", null, DateTimeOffset.UtcNow);

    // What a Server-Sent Events subscriber reads: event sequences, and a stored state as "snapshot N".
    private static async Task<List<string>> ReadAsync(TaskEventStream.Subscription subscription, int count)
    {
        var seen = new List<string>();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        while (seen.Count < count)
        {
            var batch = await subscription.Reader.ReadAsync(timeout.Token);
            if (batch.Snapshot is { } snapshot) seen.Add($"snapshot {snapshot.Sequence}");
            seen.AddRange(batch.Events.Select(e => $"{e.Sequence}"));
        }
        return seen;
    }

    private static TaskEventStream Stream(ITaskSnapshots? snapshots = null) =>
        new(new NoClients(), snapshots ?? new StoredState(), TimeProvider.System, NullLogger<TaskEventStream>.Instance);

    [Fact]
    public async Task A_late_event_is_put_back_in_order_and_a_stale_one_is_not_sent()
    {
        var stream = Stream();
        using var subscription = stream.Subscribe("task_1");

        stream.Publish(Activity("task_1", 1), "user_1");
        Assert.Equal(["1"], await ReadAsync(subscription, 1));

        // 3 arrives before 2: the stream waits a moment for 2 and sends them in order.
        stream.Publish(Activity("task_1", 3), "user_1");
        await Task.Delay(40, Ct);
        stream.Publish(Activity("task_1", 2), "user_1");
        Assert.Equal(["2", "3"], await ReadAsync(subscription, 2));

        // 2 again (a redelivery), then 4: only 4 is sent.
        stream.Publish(Activity("task_1", 2), "user_1");
        stream.Publish(Activity("task_1", 4), "user_1");
        Assert.Equal(["4"], await ReadAsync(subscription, 1));
    }

    [Fact]
    public async Task Events_that_never_come_are_replaced_by_the_stored_state_and_are_not_sent_when_they_come_late()
    {
        var stored = new StoredState { Sequence = 6 };
        var stream = Stream(stored);
        using var subscription = stream.Subscribe("task_2");
        stream.Publish(Activity("task_2", 1), null);
        Assert.Equal(["1"], await ReadAsync(subscription, 1));

        // 2 to 4 do not come: after the wait the subscriber gets the stored state (it includes 5, and 6 not yet relayed).
        stream.Publish(Activity("task_2", 5), null);
        Assert.Equal(["snapshot 6"], await ReadAsync(subscription, 1));
        Assert.Equal(["task_2"], stored.Read);

        // 3 and 6 arrive late: both are in the state sent, so only 7 goes out.
        stream.Publish(Activity("task_2", 3), null);
        stream.Publish(Activity("task_2", 6), null);
        stream.Publish(Activity("task_2", 7), null);
        Assert.Equal(["7"], await ReadAsync(subscription, 1));
    }

    [Fact]
    public async Task When_the_stored_state_cannot_be_read_the_later_events_are_sent_with_their_gap()
    {
        var stream = Stream(new StoredState { Fails = true });
        using var subscription = stream.Subscribe("task_3");
        stream.Publish(Activity("task_3", 1), null);
        Assert.Equal(["1"], await ReadAsync(subscription, 1));

        stream.Publish(Activity("task_3", 4), null);
        Assert.Equal(["4"], await ReadAsync(subscription, 1));
        stream.Publish(Activity("task_3", 2), null);
        stream.Publish(Activity("task_3", 5), null);
        Assert.Equal(["5"], await ReadAsync(subscription, 1));
    }

    /// <summary>The task as stored: a fixed sequence, or a database that cannot be reached.</summary>
    private sealed class StoredState : ITaskSnapshots
    {
        public long Sequence { get; init; }
        public bool Fails { get; init; }
        public List<string> Read { get; } = [];

        public Task<TaskDetails?> ReadAsync(string taskId, CancellationToken cancellationToken)
        {
            Read.Add(taskId);
            if (Fails) throw new InvalidOperationException("The database cannot be reached.");
            return Task.FromResult<TaskDetails?>(new TaskDetails(taskId, "user_1", "A task", "", Priorities.Medium, TaskStatus.InProgress, 40,
                TaskStage.SpecialistExecution, null, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow, null, null, null, null, Sequence, null, [], [], [],
                new TaskUsage(0, 0, 0, 0, 0, false), null));
        }
    }

    /// <summary>A hub with nobody connected: the SignalR sends go nowhere, the Server-Sent Events subscription is what is read.</summary>
    private sealed class NoClients : IHubContext<TaskHub>, IHubClients, IClientProxy
    {
        IHubClients IHubContext<TaskHub>.Clients => this;
        IGroupManager IHubContext<TaskHub>.Groups => throw new NotSupportedException();
        public IClientProxy All => this;
        public IClientProxy AllExcept(IReadOnlyList<string> excludedConnectionIds) => this;
        public IClientProxy Client(string connectionId) => this;
        public IClientProxy Clients(IReadOnlyList<string> connectionIds) => this;
        public IClientProxy Group(string groupName) => this;
        public IClientProxy GroupExcept(string groupName, IReadOnlyList<string> excludedConnectionIds) => this;
        public IClientProxy Groups(IReadOnlyList<string> groupNames) => this;
        public IClientProxy User(string userId) => this;
        public IClientProxy Users(IReadOnlyList<string> userIds) => this;
        public Task SendCoreAsync(string method, object?[] args, CancellationToken cancellationToken = default) => Task.CompletedTask;
    }
}
