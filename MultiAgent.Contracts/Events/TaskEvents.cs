namespace MultiAgent.Contracts.Events;

/// <summary>
/// Real-time events pushed to subscribers of a task (SignalR hub <c>/hubs/tasks</c>, group per task).
/// The hub method names are the design document's WebSocket event types.
/// </summary>
public static class TaskEventNames
{
    public const string HubPath = "/hubs/tasks";
    public const string TaskStatusUpdate = "task_status_update";
    public const string AgentActivity = "agent_activity";
    public const string SubtaskUpdate = "subtask_update";
    public const string StageTransition = "stage_transition";
    public const string TaskCompleted = "task_completed";
    public const string ErrorOccurred = "error_occurred";
}

public sealed record TaskStatusUpdateEvent(string Type, string TaskId, string Status, int Progress, string? Stage, DateTimeOffset Timestamp);

public sealed record AgentActivityEvent(string Type, string TaskId, string? AgentId, string? AgentType, string Action, string? Description, DateTimeOffset Timestamp);

public sealed record SubtaskUpdateEvent(string Type, string TaskId, string SubtaskId, string Status, string? ResultPreview, DateTimeOffset Timestamp);

public sealed record StageTransitionEvent(string Type, string TaskId, string? FromStage, string ToStage, DateTimeOffset Timestamp);

public sealed record TaskCompletedEvent(string Type, string TaskId, string Status, bool ResultAvailable, DateTimeOffset Timestamp);

public sealed record ErrorOccurredEvent(string Type, string TaskId, string Error, string Severity, bool RetryScheduled, DateTimeOffset Timestamp);
