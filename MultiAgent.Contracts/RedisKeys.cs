namespace MultiAgent.Contracts;

/// <summary>The Redis keys and channels shared between services (design document, "Redis Data Structures").</summary>
public static class RedisKeys
{
    /// <summary>Hash of status, progress, stage and agents; expires an hour after the task ends.</summary>
    public static string TaskState(string taskId) => $"task:{taskId}:state";

    /// <summary>The completed task's result (JSON); 24 hours.</summary>
    public static string TaskResult(string taskId) => $"cache:task:{taskId}:result";

    /// <summary>Set by the Api when a task is cancelled (24 hours), checked by agent consumers before and during model calls.</summary>
    public static string TaskCancelled(string taskId) => $"task:{taskId}:cancelled";

    /// <summary>'idle' | 'busy' | 'error'.</summary>
    public static string AgentStatus(string agentId) => $"agent:{agentId}:status";

    /// <summary>Pub/sub channel carrying the id of each task the moment it is cancelled, so in-flight model calls stop.</summary>
    public const string TaskCancelledChannel = "multiagent:task-cancelled";
}
