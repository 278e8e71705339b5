using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Logging.Abstractions;
using MultiAgent.Api.RealTime;
using MultiAgent.Contracts.Events;

namespace MultiAgent.Tests.Api;

/// <summary>
/// The live stream of one task only ever moves forward: events that arrive out of order (they travel through different
/// exchanges) are put back in order when the missing one comes soon, and an event older than what was sent is not sent.
/// </summary>
public class TaskEventStreamTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static AgentActivityEvent Activity(string taskId, long sequence) =>
        new(taskId, sequence, "agent_manager", "manager", "step", $"event {sequence}", null, DateTimeOffset.UtcNow);

    private static async Task<List<long>> ReadAsync(TaskEventStream.Subscription subscription, int count)
    {
        var seen = new List<long>();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        while (seen.Count < count)
        {
            var batch = await subscription.Reader.ReadAsync(timeout.Token);
            seen.AddRange(batch.Select(e => e.Sequence));
        }
        return seen;
    }

    [Fact]
    public async Task A_late_event_is_put_back_in_order_and_a_stale_one_is_not_sent()
    {
        var stream = new TaskEventStream(new NoClients(), TimeProvider.System, NullLogger<TaskEventStream>.Instance);
        using var subscription = stream.Subscribe("task_1");

        stream.Publish(Activity("task_1", 1), "user_1");
        Assert.Equal([1], await ReadAsync(subscription, 1));

        // 3 arrives before 2: the stream waits a moment for 2 and sends them in order.
        stream.Publish(Activity("task_1", 3), "user_1");
        await Task.Delay(40, Ct);
        stream.Publish(Activity("task_1", 2), "user_1");
        Assert.Equal([2, 3], await ReadAsync(subscription, 2));

        // 2 again (a redelivery), then 4: only 4 is sent.
        stream.Publish(Activity("task_1", 2), "user_1");
        stream.Publish(Activity("task_1", 4), "user_1");
        Assert.Equal([4], await ReadAsync(subscription, 1));
    }

    [Fact]
    public async Task A_missing_event_that_never_comes_holds_the_stream_only_briefly()
    {
        var stream = new TaskEventStream(new NoClients(), TimeProvider.System, NullLogger<TaskEventStream>.Instance);
        using var subscription = stream.Subscribe("task_2");
        stream.Publish(Activity("task_2", 1), null);
        Assert.Equal([1], await ReadAsync(subscription, 1));

        stream.Publish(Activity("task_2", 5), null);
        Assert.Equal([5], await ReadAsync(subscription, 1));
        stream.Publish(Activity("task_2", 3), null);
        stream.Publish(Activity("task_2", 6), null);
        Assert.Equal([6], await ReadAsync(subscription, 1));
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
