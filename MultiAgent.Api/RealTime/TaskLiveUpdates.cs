using Microsoft.AspNetCore.SignalR;
using MultiAgent.Contracts;
using MultiAgent.Contracts.Events;
using MultiAgent.Contracts.Messages;
using StackExchange.Redis;

namespace MultiAgent.Api.RealTime;

/// <summary>
/// Applies one change of a task's visible state: sends the matching event to the task's hub group, keeps the Redis
/// task state hash (<c>task:{task_id}:state</c>) current and drops the cached result. Used for the progress the
/// Orchestrator publishes and for the changes the Api makes itself (cancellation, revision).
/// </summary>
public sealed class TaskLiveUpdates(IHubContext<TaskHub> hub, IConnectionMultiplexer redis, ILogger<TaskLiveUpdates> logger)
{
    private static readonly TimeSpan TerminalStateLifetime = TimeSpan.FromHours(1);
    private static readonly TimeSpan BestEffortBudget = TimeSpan.FromSeconds(2);

    public static string Group(string taskId) => $"task:{taskId}";

    public async Task ApplyAsync(TaskProgressChanged change, CancellationToken cancellationToken)
    {
        var database = redis.GetDatabase();
        await UpdateStateAsync(database, change);
        await database.KeyDeleteAsync(RedisKeys.TaskResult(change.TaskId));

        var (method, payload) = ToClientEvent(change);
        await hub.Clients.Group(Group(change.TaskId)).SendAsync(method, payload, cancellationToken);
    }

    /// <summary>
    /// For the Api's own changes, already committed to Postgres: live updates are best effort, and a Redis outage
    /// must not hold the request for the client library's timeouts.
    /// </summary>
    public async Task TryApplyAsync(TaskProgressChanged change)
    {
        if (!redis.IsConnected)
        {
            logger.LogWarning("Redis is unavailable: the {Kind} of task {TaskId} was not pushed to live subscribers", change.Kind, change.TaskId);
            return;
        }

        try
        {
            await ApplyAsync(change, CancellationToken.None).WaitAsync(BestEffortBudget);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            logger.LogWarning(ex, "Could not push the {Kind} of task {TaskId} to live subscribers", change.Kind, change.TaskId);
        }
    }

    /// <summary>The hub event for a progress message; <see cref="TaskProgressChanged.Kind"/> names the hub method.</summary>
    public static (string Method, object Payload) ToClientEvent(TaskProgressChanged m) => m.Kind switch
    {
        TaskEventNames.AgentActivity =>
            (m.Kind, new AgentActivityEvent(m.Kind, m.TaskId, m.AgentId, m.AgentType, m.Action ?? "activity", m.Description, m.Timestamp)),
        // For subtask updates the Orchestrator puts the subtask's status in Status and the result preview in Description.
        TaskEventNames.SubtaskUpdate =>
            (m.Kind, new SubtaskUpdateEvent(m.Kind, m.TaskId, m.SubtaskId ?? "", m.Status, m.Description, m.Timestamp)),
        TaskEventNames.StageTransition =>
            (m.Kind, new StageTransitionEvent(m.Kind, m.TaskId, m.FromStage, m.Stage ?? "", m.Timestamp)),
        TaskEventNames.TaskCompleted =>
            (m.Kind, new TaskCompletedEvent(m.Kind, m.TaskId, m.Status, m.Status == TaskStatuses.Completed, m.Timestamp)),
        TaskEventNames.ErrorOccurred =>
            (m.Kind, new ErrorOccurredEvent(m.Kind, m.TaskId, m.Description ?? "An error occurred.", Severity(m), !TaskStatuses.IsTerminal(m.Status), m.Timestamp)),
        _ =>
            (TaskEventNames.TaskStatusUpdate, new TaskStatusUpdateEvent(TaskEventNames.TaskStatusUpdate, m.TaskId, m.Status, m.Progress, m.Stage, m.Timestamp)),
    };

    private static string Severity(TaskProgressChanged m) =>
        m.Action is "info" or "warning" or "error" or "critical" ? m.Action
        : m.Status == TaskStatuses.Failed ? "error"
        : "warning";

    // Messages may arrive out of order (retries, several Api instances): a state older than the stored one is ignored.
    // The agents field lists every agent seen on the task, as the design document's hash has it.
    private const string UpdateStateScript = """
        local last = tonumber(redis.call('HGET', KEYS[1], 'updated_at') or '0')
        if ARGV[2] ~= '' and tonumber(ARGV[1]) >= last then
          redis.call('HSET', KEYS[1], 'status', ARGV[2], 'updated_at', ARGV[1])
          if ARGV[3] ~= '' then redis.call('HSET', KEYS[1], 'progress', ARGV[3]) end
          if ARGV[4] ~= '' then redis.call('HSET', KEYS[1], 'stage', ARGV[4]) end
          if ARGV[6] ~= '0' then redis.call('EXPIRE', KEYS[1], ARGV[6]) else redis.call('PERSIST', KEYS[1]) end
        end
        if ARGV[5] ~= '' then
          local agent = cjson.decode(ARGV[5])
          local raw = redis.call('HGET', KEYS[1], 'agents')
          local agents = raw and cjson.decode(raw) or {}
          for _, a in ipairs(agents) do
            if a.agent_id == agent.agent_id then return 0 end
          end
          table.insert(agents, agent)
          redis.call('HSET', KEYS[1], 'agents', cjson.encode(agents))
        end
        return 1
        """;

    private static async Task UpdateStateAsync(IDatabase database, TaskProgressChanged m)
    {
        // Agent activity and subtask updates do not carry the task's status; the other kinds do.
        var carriesTaskState = m.Kind is not (TaskEventNames.AgentActivity or TaskEventNames.SubtaskUpdate)
            && TaskStatuses.All.Contains(m.Status);
        var carriesProgress = carriesTaskState && m.Kind != TaskEventNames.ErrorOccurred;
        var agent = m.Kind == TaskEventNames.AgentActivity && m.AgentId is { } agentId
            ? System.Text.Json.JsonSerializer.Serialize(new { agent_id = agentId, type = m.AgentType })
            : "";
        if (!carriesTaskState && agent.Length == 0)
        {
            return;
        }

        await database.ScriptEvaluateAsync(UpdateStateScript,
            [RedisKeys.TaskState(m.TaskId)],
            [
                m.Timestamp.ToUnixTimeMilliseconds(),
                carriesTaskState ? m.Status : "",
                carriesProgress ? m.Progress : "",
                carriesTaskState ? m.Stage ?? "" : "",
                agent,
                carriesTaskState && TaskStatuses.IsTerminal(m.Status) ? (long)TerminalStateLifetime.TotalSeconds : 0,
            ]);
    }
}
