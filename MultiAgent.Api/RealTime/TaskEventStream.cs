using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.AspNetCore.SignalR;
using MultiAgent.Contracts;
using MultiAgent.Contracts.Api;
using MultiAgent.Contracts.Events;

namespace MultiAgent.Api.RealTime;

/// <summary>
/// Delivers the workflow's task events to the clients connected to this Api instance: the task's SignalR group, the
/// owner's (and admins') task-list groups, and the Server-Sent Events streams of the task. Events of one task are sent at
/// most ten times a second: what arrives in between is sent together, superseded states coalesced (only the latest status
/// of the task and of each subtask), nothing else dropped (<see cref="Coalesce"/>). Every Api instance receives every event
/// (<see cref="TaskEventRelay"/>), so no backplane is needed.
/// </summary>
/// <remarks>
/// Each send only ever moves a task's sequence forward. Events that arrive out of order are put back in order when the
/// missing ones come within <see cref="GapWait"/>; when they do not (published late under load, or lost with a crashed
/// publisher), the stream reads the task's stored state and sends it as a <c>task_snapshot</c> with its sequence, so every
/// client still ends at what the Api returns, and the late events are then not sent.
/// </remarks>
public sealed partial class TaskEventStream(IHubContext<TaskHub> hub, ITaskSnapshots snapshots, TimeProvider time, ILogger<TaskEventStream> logger)
{
    /// <summary>The shortest time between two sends of one task's events.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);

    /// <summary>How long the first event after a quiet spell waits for the rest of its burst (one saga message sends several).</summary>
    public static readonly TimeSpan Gather = TimeSpan.FromMilliseconds(15);

    /// <summary>
    /// How long a batch that starts past a hole in the sequence waits for the missing events (events of different types travel
    /// through different exchanges and can arrive a moment out of order) before the task's stored state is sent instead.
    /// </summary>
    public static readonly TimeSpan GapWait = TimeSpan.FromSeconds(2);

    /// <summary>How long a finished task's last sent sequence is remembered, so that its late events are not sent.</summary>
    public static readonly TimeSpan Remember = TimeSpan.FromMinutes(2);

    private readonly ConcurrentDictionary<string, Buffer> _buffers = new();
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<Channel<StreamBatch>, byte>> _streams = new();

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
        var channel = Channel.CreateBounded<StreamBatch>(new BoundedChannelOptions(256)
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
        long missingFrom = 0;
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

                // Still scheduled while the stored state is read: events arriving meanwhile wait for the next flush.
                missingFrom = buffer.LastSequence + 1;
            }
            buffer.GapSince = null;
            events = [.. buffer.Events];
            buffer.Events.Clear();
            if (missingFrom == 0) Sent(buffer, events, snapshot: null, now);
            userId = buffer.UserId;
        }

        TaskDetails? snapshot = null;
        if (missingFrom > 0)
        {
            snapshot = await ReadSnapshotAsync(buffer.TaskId, missingFrom, events.Min(e => e.Sequence) - 1);
            lock (buffer)
            {
                if (snapshot is not null) events.RemoveAll(e => e.Sequence <= snapshot.Sequence);
                Sent(buffer, events, snapshot, time.GetUtcNow());
                if (buffer.Events.Count > 0)
                {
                    buffer.Scheduled = true;
                    _ = FlushLaterAsync(buffer, Interval);
                }
            }
        }

        var batch = Coalesce(events);
        if (batch.Count == 0 && snapshot is null) return;
        // One send of a task at a time, so a slow send cannot be overtaken by the next one.
        await buffer.Sending.WaitAsync();
        try
        {
            await SendAsync(buffer.TaskId, userId, snapshot, batch);
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Could not send {Count} event(s) of task {TaskId} to live subscribers", batch.Count, buffer.TaskId);
        }
        finally
        {
            buffer.Sending.Release();
            // A finished task's buffer goes once it has been quiet for a while; a revision's events keep it or make a new one.
            if (batch.Any(e => e is TaskCompletedEvent) || snapshot?.Status.IsTerminal() == true) _ = ForgetLaterAsync(buffer);
        }
    }

    // Called under the buffer's lock: what was just taken for sending is what clients will hold.
    private static void Sent(Buffer buffer, List<ITaskEvent> events, TaskDetails? snapshot, DateTimeOffset now)
    {
        buffer.Scheduled = false;
        buffer.LastSent = now;
        var last = Math.Max(snapshot?.Sequence ?? 0, events.Count == 0 ? 0 : events.Max(e => e.Sequence));
        buffer.LastSequence = Math.Max(buffer.LastSequence, last);
    }

    // Null when the state cannot be read: the events are then sent with their gap, which clients see and can read the task for.
    private async Task<TaskDetails?> ReadSnapshotAsync(string taskId, long missingFrom, long missingTo)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            var snapshot = await snapshots.ReadAsync(taskId, timeout.Token);
            LogCaughtUp(taskId, missingFrom, missingTo, GapWait.TotalSeconds, snapshot?.Sequence);
            return snapshot;
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Task {TaskId}: events {From} to {To} did not arrive and the task's state could not be read; clients get the later events with a gap", taskId, missingFrom, missingTo);
            return null;
        }
    }

    [LoggerMessage(LogLevel.Information, "Task {TaskId}: events {From} to {To} did not arrive within {Seconds} s; live subscribers get the task's stored state (sequence {Sequence}) instead")]
    private partial void LogCaughtUp(string taskId, long from, long to, double seconds, long? sequence);

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

    private async Task SendAsync(string taskId, string? userId, TaskDetails? snapshot, IReadOnlyList<ITaskEvent> batch)
    {
        var group = hub.Clients.Group(TaskGroup(taskId));
        var lists = userId is null ? hub.Clients.Group(AdminGroup) : hub.Clients.Groups(UserGroup(userId), AdminGroup);
        if (snapshot is not null)
        {
            await group.SendAsync(TaskEventNames.TaskSnapshot, snapshot);
            await lists.SendAsync(TaskEventNames.TaskStatusUpdate, new TaskStatusUpdateEvent(snapshot.TaskId, snapshot.Sequence, snapshot.Status,
                snapshot.Progress, snapshot.CurrentStage, snapshot.EstimatedCompletion, snapshot.CompletedAt, snapshot.Error, snapshot.UpdatedAt));
        }

        if (batch.Count == 1)
        {
            await group.SendAsync(batch[0].Type, batch[0]);
        }
        else if (batch.Count > 1)
        {
            await group.SendAsync(TaskEventNames.BatchUpdate, new TaskEventBatch(taskId, [.. batch.Cast<object>()]));
        }

        // Task lists show status and progress: their subscribers get the latest status of the task.
        if (batch.LastOrDefault(e => e is TaskStatusUpdateEvent) is { } status)
        {
            await lists.SendAsync(status.Type, status);
        }

        if (_streams.TryGetValue(taskId, out var streams))
        {
            var item = new StreamBatch(snapshot, batch);
            foreach (var channel in streams.Keys) channel.Writer.TryWrite(item);
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

    private void Unsubscribe(string taskId, Channel<StreamBatch> channel)
    {
        if (!_streams.TryGetValue(taskId, out var streams)) return;
        streams.TryRemove(channel, out _);
        channel.Writer.TryComplete();
        if (streams.IsEmpty) _streams.TryRemove(new(taskId, streams));
    }

    /// <summary>One send to a Server-Sent Events stream: the task's stored state when the stream had to catch up, then events after it.</summary>
    public sealed record StreamBatch(TaskDetails? Snapshot, IReadOnlyList<ITaskEvent> Events);

    public sealed class Subscription(TaskEventStream owner, string taskId, Channel<StreamBatch> channel) : IDisposable
    {
        public ChannelReader<StreamBatch> Reader => channel.Reader;

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
        public SemaphoreSlim Sending { get; } = new(1, 1);
    }
}
