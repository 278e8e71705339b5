using System.Text.Json;
using System.Text.Json.Serialization;
using MultiAgent.Contracts.Api;

namespace MultiAgent.Contracts.Events;

/// <summary>
/// Real-time task events: the design document's six WebSocket events, each with a per-task <c>sequence</c>.
/// The Orchestrator's workflow publishes them when it changes a task's state; the Api relays them unchanged to the
/// SignalR hub (<see cref="HubPath"/>, method name = <c>type</c>) and to <c>GET /api/v1/tasks/{id}/events</c> (SSE).
/// </summary>
/// <remarks>
/// <c>sequence</c> rises by one with every event of a task, and <c>GET /api/v1/tasks/{id}</c> returns the sequence of the
/// last event its state includes. A client keeps the highest sequence it has applied and ignores any event that is not
/// newer, so a late or repeated event can never overwrite a newer state; a jump of more than one means an event was missed
/// (read the task again). Events carry absolute values (a status, a progress), never increments.
/// </remarks>
public static class TaskEventNames
{
    public const string HubPath = "/hubs/tasks";
    public const string TaskStatusUpdate = "task_status_update";
    public const string AgentActivity = "agent_activity";
    public const string SubtaskUpdate = "subtask_update";
    public const string StageTransition = "stage_transition";
    public const string TaskCompleted = "task_completed";
    public const string ErrorOccurred = "error_occurred";

    /// <summary>Several events of one task sent together (at most ten sends a second per task and client).</summary>
    public const string BatchUpdate = "batch_update";

    /// <summary>
    /// The task as <c>GET /api/v1/tasks/{id}</c> returns it, with its sequence: the first SSE event of a stream, and, on the hub
    /// and SSE alike, sent mid-stream when events the Api waited for did not arrive in time. It replaces the held state when
    /// it is not older (<see cref="TaskEventFold.Newer"/>); the events it covers are not sent.
    /// </summary>
    public const string TaskSnapshot = "task_snapshot";

    public static readonly IReadOnlyList<string> All = [TaskStatusUpdate, AgentActivity, SubtaskUpdate, StageTransition, TaskCompleted, ErrorOccurred];
}

/// <summary>What every task event has.</summary>
public interface ITaskEvent
{
    string Type { get; }
    string TaskId { get; }
    long Sequence { get; }
    DateTimeOffset Timestamp { get; }
}

/// <summary>The task's status, progress and stage changed.</summary>
public sealed record TaskStatusUpdateEvent(
    string TaskId,
    long Sequence,
    TaskStatus Status,
    int Progress,
    TaskStage Stage,
    DateTimeOffset? EstimatedCompletion,
    DateTimeOffset? CompletedAt,
    string? Error,
    DateTimeOffset Timestamp) : ITaskEvent
{
    [JsonPropertyOrder(-1)] public string Type => TaskEventNames.TaskStatusUpdate;
}

/// <summary>An agent did something on the task (the same entries as <c>GET /tasks/{id}/agents</c> lists).</summary>
public sealed record AgentActivityEvent(
    string TaskId,
    long Sequence,
    string AgentId,
    string AgentType,
    string Action,
    string Description,
    string? SubtaskId,
    DateTimeOffset Timestamp) : ITaskEvent
{
    [JsonPropertyOrder(-1)] public string Type => TaskEventNames.AgentActivity;
}

/// <summary>
/// A subtask changed. Carries the subtask's whole summary (as in <c>GET /tasks/{id}</c>), so a client can show a subtask
/// it has not seen before without reading the task again.
/// </summary>
public sealed record SubtaskUpdateEvent(
    string TaskId,
    long Sequence,
    string SubtaskId,
    SubtaskStatus Status,
    string? ResultPreview,
    SubtaskSummary Subtask,
    DateTimeOffset Timestamp) : ITaskEvent
{
    [JsonPropertyOrder(-1)] public string Type => TaskEventNames.SubtaskUpdate;
}

/// <summary>The workflow moved from one stage to the next.</summary>
public sealed record StageTransitionEvent(
    string TaskId,
    long Sequence,
    TaskStage? FromStage,
    TaskStage ToStage,
    DateTimeOffset Timestamp) : ITaskEvent
{
    [JsonPropertyOrder(-1)] public string Type => TaskEventNames.StageTransition;
}

/// <summary>The task ended: <c>completed</c> (the result is available), <c>failed</c> or <c>cancelled</c>.</summary>
public sealed record TaskCompletedEvent(
    string TaskId,
    long Sequence,
    TaskStatus Status,
    bool ResultAvailable,
    DateTimeOffset Timestamp) : ITaskEvent
{
    [JsonPropertyOrder(-1)] public string Type => TaskEventNames.TaskCompleted;
}

/// <summary>
/// Something went wrong. With <c>retry_scheduled</c> the step is tried again after <c>retry_in_seconds</c> and the task goes
/// on; without it the task failed (severity <c>error</c>).
/// </summary>
public sealed record ErrorOccurredEvent(
    string TaskId,
    long Sequence,
    string Error,
    string Severity,
    bool RetryScheduled,
    int? RetryInSeconds,
    string? Step,
    DateTimeOffset Timestamp) : ITaskEvent
{
    [JsonPropertyOrder(-1)] public string Type => TaskEventNames.ErrorOccurred;
}

/// <summary>The design document's batched update: several events of one task, in sequence order.</summary>
public sealed record TaskEventBatch(string TaskId, IReadOnlyList<object> Updates)
{
    [JsonPropertyOrder(-1)] public string Type => TaskEventNames.BatchUpdate;
}

/// <summary>Reads task events back from JSON (a client's side of the hub or the SSE stream).</summary>
public static class TaskEventJson
{
    public static Type? TypeOf(string eventName) => eventName switch
    {
        TaskEventNames.TaskStatusUpdate => typeof(TaskStatusUpdateEvent),
        TaskEventNames.AgentActivity => typeof(AgentActivityEvent),
        TaskEventNames.SubtaskUpdate => typeof(SubtaskUpdateEvent),
        TaskEventNames.StageTransition => typeof(StageTransitionEvent),
        TaskEventNames.TaskCompleted => typeof(TaskCompletedEvent),
        TaskEventNames.ErrorOccurred => typeof(ErrorOccurredEvent),
        _ => null,
    };

    /// <summary>One event from its JSON (its <c>type</c> says which); null for a type this client does not know.</summary>
    public static ITaskEvent? Parse(JsonElement json, JsonSerializerOptions options) =>
        json.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String && TypeOf(type.GetString()!) is { } eventType
            ? (ITaskEvent?)json.Deserialize(eventType, options)
            : null;

    /// <summary>The events of a <c>batch_update</c>, in the order sent.</summary>
    public static IReadOnlyList<ITaskEvent> ParseBatch(JsonElement batch, JsonSerializerOptions options) =>
        batch.TryGetProperty("updates", out var updates) && updates.ValueKind == JsonValueKind.Array
            ? [.. updates.EnumerateArray().Select(u => Parse(u, options)).OfType<ITaskEvent>()]
            : [];
}
