namespace MultiAgent.Contracts;

/// <summary>The Redis keys and channels more than one service uses (design document, "Redis Data Structures").</summary>
/// <remarks>
/// A task's state is not kept in Redis: Postgres holds it (written by the workflow only) and the task events carry every
/// change to the clients. Redis keeps what is shared and short-lived: results, cancellation marks, agents' live status.
/// </remarks>
public static class RedisKeys
{
    /// <summary>A completed task's result (JSON) with the completion it belongs to; 24 hours.</summary>
    public static string TaskResult(string taskId) => $"cache:task:{taskId}:result";

    /// <summary>Set by the workflow when a task is cancelled (24 hours); agent steps check it before and during model calls.</summary>
    public static string TaskCancelled(string taskId) => $"task:{taskId}:cancelled";

    /// <summary>'idle' | 'busy' | 'maintenance'.</summary>
    public static string AgentStatus(string agentId) => $"agent:{agentId}:status";

    /// <summary>Pub/sub channel carrying the id of each task the moment it is cancelled, so in-flight model calls stop.</summary>
    public const string TaskCancelledChannel = "multiagent:task-cancelled";

    /// <summary>Pub/sub channel announcing that an administrator changed an agent (status, model settings): caches drop what they hold.</summary>
    public const string AgentsChangedChannel = "multiagent:agents-changed";
}
