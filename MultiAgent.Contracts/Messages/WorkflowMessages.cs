namespace MultiAgent.Contracts.Messages;

// What the Api says to the workflow. The Api inserts a task (and a revision's record) and then asks; the saga decides and
// writes, and answers requests with what it did.

/// <summary>Published by the Api once the task row is stored.</summary>
public sealed record TaskSubmitted(string TaskId, string UserId, string Priority, DateTimeOffset SubmittedAt) : ITaskMessage;

/// <summary>A user asks to cancel a task (request; answered with <see cref="TaskCancellationResult"/>).</summary>
public sealed record CancelTask(string TaskId, string RequestedBy, DateTimeOffset RequestedAt) : ITaskMessage;

/// <param name="Cancelled">True when this request cancelled the task; false when it had already finished (see <paramref name="Status"/>).</param>
public sealed record TaskCancellationResult(string TaskId, bool Cancelled, TaskStatus Status, DateTimeOffset? CompletedAt, string Message)
    : ITaskMessage;

/// <summary>A user asks for a revision of a completed task; the Api stored the revision row first (request; answered with <see cref="TaskRevisionResult"/>).</summary>
public sealed record ReviseTask(string TaskId, string RevisionId, string Priority, DateTimeOffset RequestedAt) : ITaskMessage;

/// <param name="Started">True when the revision started; false when the task could not be revised (see <paramref name="Status"/>).</param>
public sealed record TaskRevisionResult(string TaskId, string RevisionId, bool Started, TaskStatus Status, DateTimeOffset? EstimatedCompletion, string Message)
    : ITaskMessage;
