using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.AspNetCore.SignalR;
using MultiAgent.Contracts.Events;

namespace MultiAgent.Api.RealTime;

/// <summary>
/// Delivers the workflow's task events to the clients connected to this Api instance: the task's SignalR group, the
/// owner's (and admins') task-list groups, and the Server-Sent Events streams of the task. Events of one task are sent at
/// most ten times a second: what arrives in between is sent together, superseded states coalesced (only the latest status
/// of the task and of each subtask), nothing else dropped (<see cref="Coalesce"/>). Every Api instance receives every event
/// (<see cref="TaskEventRelay"/>), so no backplane is needed.
/// </summary>
public sealed class TaskEventStream(IHubContext<TaskHub> hub, TimeProvider time, ILogger<TaskEventStream> logger)
{
    /// <summary>The shortest time between two sends of one task's events.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);

    /// <summary>How long the first event after a quiet spell waits for the rest of its burst (one saga message sends several).</summary>
    public static readonly TimeSpan Gather = TimeSpan.FromMilliseconds(15);

    /// <summary>
    /// How long a batch that starts past a hole in the sequence waits for the missing events: events of different types travel
    /// through different exchanges and can arrive a moment out of order.
    /// </summary>
    public static readonly TimeSpan GapWait = TimeSpan.FromSeconds(2);

    /// <summary>How long a finished task's last sent sequence is remembered, so that its late events are not sent.</summary>
    public static readonly TimeSpan Remember = TimeSpan.FromMinutes(2);

    private readonly ConcurrentDictionary<string, Buffer> _buffers = new();
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<Channel<IReadOnlyList<ITaskEvent>>, byte>> _streams = new();

    public static string TaskGroup(string taskId) => $"task:{taskId}";

    public static string UserGroup(string userId) => $"user:{userId}";

    public const string AdminGroup = "admins";

    public void Publish(ITaskEvent taskEvent, string? userId)
    {
        var buffer = _buffers.GetOrAdd(taskEvent.TaskId, id => new Buffer(id));
        lock (buffer)
        {
            buffer.Events.Add(taskEvent);
            buffer.UserId = userId ?? buffer.UserId;
            if (buffer.Scheduled) return;
            buffer.Scheduled = true;
            var now = time.GetUtcNow();
            var due = buffer.LastSent + Interval;
            var delay = due > now + Gather ? due - now : Gather;
            _ = FlushLaterAsync(buffer, delay);
        }
    }

    /// <summary>The task's events as they are sent, for one Server-Sent Events stream; dispose to stop.</summary>
    public Subscription Subscribe(string taskId)
    {
        // A slow reader loses the oldest batches, never the latest: it sees a gap in the sequence and can read the task again.
        var channel = Channel.CreateBounded<IReadOnlyList<ITaskEvent>>(new BoundedChannelOptions(256)
        {
            FullMode = BoundedChannelFullMode.DropOldest,
            SingleReader = true,
        });
        _streams.GetOrAdd(taskId, _ => new()).TryAdd(channel, 0);
        return new Subscription(this, taskId, channel);
    }

    private async Task FlushLaterAsync(Buffer buffer, TimeSpan delay)
    {
        await Task.Delay(delay, time);
        List<ITaskEvent> events;
        string? userId;
        lock (buffer)
        {
            // What is not newer than what was sent is stale (clients would ignore it): it is not sent at all, so the
            // sequence each client sees only ever rises.
            buffer.Events.RemoveAll(e => e.Sequence <= buffer.LastSequence);
            var now = time.GetUtcNow();
            var first = buffer.Events.Count == 0 ? 0 : buffer.Events.Min(e => e.Sequence);
            if (buffer.LastSequence > 0 && first > buffer.LastSequence + 1)
            {
                buffer.GapSince ??= now;
                if (now - buffer.GapSince.Value < GapWait)
                {
                    _ = FlushLaterAsync(buffer, Gather);
                    return;
                }
            }
            buffer.GapSince = null;
            events = [.. buffer.Events];
            buffer.Events.Clear();
            buffer.Scheduled = false;
            buffer.LastSent = now;
            if (events.Count > 0) buffer.LastSequence = Math.Max(buffer.LastSequence, events.Max(e => e.Sequence));
            userId = buffer.UserId;
        }

        var batch = Coalesce(events);
        if (batch.Count == 0) return;
        try
        {
            await SendAsync(buffer.TaskId, userId, batch);
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Could not send {Count} event(s) of task {TaskId} to live subscribers", batch.Count, buffer.TaskId);
        }
        finally
        {
            // A finished task's buffer goes once it has been quiet for a while; a revision's events keep it or make a new one.
            if (batch.Any(e => e is TaskCompletedEvent)) _ = ForgetLaterAsync(buffer);
        }
    }

    private async Task ForgetLaterAsync(Buffer buffer)
    {
        await Task.Delay(Remember, time);
        lock (buffer)
        {
            if (buffer.Events.Count == 0 && !buffer.Scheduled && time.GetUtcNow() - buffer.LastSent >= Remember)
            {
                _buffers.TryRemove(new(buffer.TaskId, buffer));
            }
        }
    }

    private async Task SendAsync(string taskId, string? userId, IReadOnlyList<ITaskEvent> batch)
    {
        var group = hub.Clients.Group(TaskGroup(taskId));
        if (batch.Count == 1)
        {
            await group.SendAsync(batch[0].Type, batch[0]);
        }
        else
        {
            await group.SendAsync(TaskEventNames.BatchUpdate, new TaskEventBatch(taskId, [.. batch.Cast<object>()]));
        }

        // Task lists show status and progress: their subscribers get the latest status of the task.
        if (batch.LastOrDefault(e => e is TaskStatusUpdateEvent) is { } status)
        {
            var lists = userId is null ? hub.Clients.Group(AdminGroup) : hub.Clients.Groups(UserGroup(userId), AdminGroup);
            await lists.SendAsync(status.Type, status);
        }

        if (_streams.TryGetValue(taskId, out var streams))
        {
            foreach (var channel in streams.Keys) channel.Writer.TryWrite(batch);
        }
    }

    /// <summary>
    /// What is sent of the events gathered for one task: in sequence order, a later task status replaces an earlier one and a
    /// later update of a subtask replaces an earlier update of it; agent activities, stage transitions, errors and the end of
    /// the task are all kept.
    /// </summary>
    public static IReadOnlyList<ITaskEvent> Coalesce(IEnumerable<ITaskEvent> events)
    {
        var ordered = events.OrderBy(e => e.Sequence).ToList();
        var lastStatus = ordered.LastOrDefault(e => e is TaskStatusUpdateEvent)?.Sequence;
        var lastPerSubtask = ordered.OfType<SubtaskUpdateEvent>()
            .GroupBy(e => e.SubtaskId)
            .Select(g => g.Max(e => e.Sequence))
            .ToHashSet();
        return ordered
            .Where(e => e switch
            {
                TaskStatusUpdateEvent => e.Sequence == lastStatus,
                SubtaskUpdateEvent => lastPerSubtask.Contains(e.Sequence),
                _ => true,
            })
            .DistinctBy(e => e.Sequence)
            .ToList();
    }

    private void Unsubscribe(string taskId, Channel<IReadOnlyList<ITaskEvent>> channel)
    {
        if (!_streams.TryGetValue(taskId, out var streams)) return;
        streams.TryRemove(channel, out _);
        channel.Writer.TryComplete();
        if (streams.IsEmpty) _streams.TryRemove(new(taskId, streams));
    }

    public sealed class Subscription(TaskEventStream owner, string taskId, Channel<IReadOnlyList<ITaskEvent>> channel) : IDisposable
    {
        public ChannelReader<IReadOnlyList<ITaskEvent>> Reader => channel.Reader;

        public void Dispose() => owner.Unsubscribe(taskId, channel);
    }

    private sealed class Buffer(string taskId)
    {
        public string TaskId { get; } = taskId;
        public List<ITaskEvent> Events { get; } = [];
        public string? UserId { get; set; }
        public bool Scheduled { get; set; }
        public DateTimeOffset LastSent { get; set; }
        public long LastSequence { get; set; }
        public DateTimeOffset? GapSince { get; set; }
    }
}
