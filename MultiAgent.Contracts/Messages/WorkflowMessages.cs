namespace MultiAgent.Contracts.Messages;

// Integration events between the Api and the workflow. Messages carry ids only: the data lives in Postgres.

/// <summary>Published by the Api once the task row is stored.</summary>
public sealed record TaskSubmitted(string TaskId, DateTimeOffset SubmittedAt) : ITaskMessage;

/// <summary>Published by the Api after it marked the task cancelled; the workflow stops and ignores late results.</summary>
public sealed record TaskCancellationRequested(string TaskId, DateTimeOffset RequestedAt) : ITaskMessage;

/// <summary>Published by the Api when a user asks for a revision of a completed task.</summary>
public sealed record TaskRevisionRequested(string TaskId, string RevisionId, DateTimeOffset RequestedAt) : ITaskMessage;

/// <summary>
/// Published by the Orchestrator whenever a task's visible state changes, for the Api to relay to real-time subscribers.
/// <paramref name="Kind"/> is one of the <see cref="Events.TaskEventNames"/> values.
/// </summary>
public sealed record TaskProgressChanged(
    string TaskId,
    string Kind,
    string Status,
    int Progress,
    string? Stage,
    string? FromStage,
    string? AgentId,
    string? AgentType,
    string? Action,
    string? SubtaskId,
    string? Description,
    DateTimeOffset Timestamp);
