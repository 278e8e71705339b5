using System.Collections.Concurrent;
using MultiAgent.Contracts;
using StackExchange.Redis;

namespace MultiAgent.Orchestrator.Agents;

/// <summary>
/// Cancels the model calls in flight for a task the moment the workflow cancels it: the saga calls <see cref="SignalAsync"/>,
/// which marks the task in Redis and announces it on <see cref="Channel"/>, so every Orchestrator replica stops the task's
/// calls and a cancelled task stops spending tokens.
/// </summary>
public sealed class TaskCancellations(IConnectionMultiplexer redis, ILogger<TaskCancellations> logger) : IHostedService
{
    public static readonly RedisChannel Channel = RedisChannel.Literal(RedisKeys.TaskCancelledChannel);

    private static readonly TimeSpan RedisBudget = TimeSpan.FromSeconds(2);

    /// <summary>Stops the task's model calls here and, through Redis, on every replica. Best effort: the steps also check the task's status.</summary>
    public async Task SignalAsync(string taskId)
    {
        Cancel(taskId);
        try
        {
            var database = redis.GetDatabase();
            await database.StringSetAsync(RedisKeys.TaskCancelled(taskId), "1", TimeSpan.FromHours(24)).WaitAsync(RedisBudget);
            await database.PublishAsync(Channel, taskId).WaitAsync(RedisBudget);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            logger.LogWarning(ex, "Could not announce the cancellation of {TaskId} on Redis; model calls in flight on other replicas run to their end", taskId);
        }
    }

    private readonly ConcurrentDictionary<string, ConcurrentDictionary<CancellationTokenSource, byte>> _inFlight = new();

    /// <summary>A token that is cancelled when <paramref name="cancellationToken"/> is, or when the task is cancelled.</summary>
    public Registration Link(string taskId, CancellationToken cancellationToken)
    {
        var source = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _inFlight.GetOrAdd(taskId, _ => new()).TryAdd(source, 0);
        return new Registration(this, taskId, source);
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var subscriber = redis.GetSubscriber();
        await subscriber.SubscribeAsync(Channel, (_, value) => Cancel(value.ToString()));
    }

    public Task StopAsync(CancellationToken cancellationToken) => redis.GetSubscriber().UnsubscribeAsync(Channel);

    private void Cancel(string taskId)
    {
        if (!_inFlight.TryGetValue(taskId, out var sources)) return;
        logger.LogInformation("Task {TaskId} was cancelled; stopping {Count} model call(s) in flight", taskId, sources.Count);
        foreach (var source in sources.Keys)
        {
            try { source.Cancel(); }
            catch (ObjectDisposedException) { }
        }
    }

    public sealed class Registration(TaskCancellations owner, string taskId, CancellationTokenSource source) : IDisposable
    {
        public CancellationToken Token => source.Token;

        public void Dispose()
        {
            if (owner._inFlight.TryGetValue(taskId, out var sources))
            {
                sources.TryRemove(source, out _);
                if (sources.IsEmpty) owner._inFlight.TryRemove(new KeyValuePair<string, ConcurrentDictionary<CancellationTokenSource, byte>>(taskId, sources));
            }
            source.Dispose();
        }
    }
}
