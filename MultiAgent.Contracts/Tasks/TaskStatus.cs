using System.Text.Json.Serialization;

namespace MultiAgent.Contracts;

// The states a task, a subtask and a review verdict can be in. Enums in code, the design document's snake_case strings on
// the wire and in Postgres (the member names below are those strings). One definition, used by every service.

/// <summary>tasks.status. Only the Orchestrator's workflow changes it after the Api inserted the task as <see cref="Pending"/>.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<TaskStatus>))]
public enum TaskStatus
{
    [JsonStringEnumMemberName("pending")] Pending,
    [JsonStringEnumMemberName("in_progress")] InProgress,
    [JsonStringEnumMemberName("manager_review")] ManagerReview,
    [JsonStringEnumMemberName("coordination")] Coordination,
    [JsonStringEnumMemberName("synthesis")] Synthesis,
    [JsonStringEnumMemberName("revision_pending")] RevisionPending,
    [JsonStringEnumMemberName("revision_in_progress")] RevisionInProgress,
    [JsonStringEnumMemberName("completed")] Completed,
    [JsonStringEnumMemberName("failed")] Failed,
    [JsonStringEnumMemberName("cancelled")] Cancelled,
}

/// <summary>tasks.current_stage: the workflow states of the design document.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<TaskStage>))]
public enum TaskStage
{
    [JsonStringEnumMemberName("initialization")] Initialization,
    [JsonStringEnumMemberName("task_analysis")] TaskAnalysis,
    [JsonStringEnumMemberName("specialist_selection")] SpecialistSelection,
    [JsonStringEnumMemberName("task_decomposition")] TaskDecomposition,
    [JsonStringEnumMemberName("specialist_execution")] SpecialistExecution,
    [JsonStringEnumMemberName("manager_review")] ManagerReview,
    [JsonStringEnumMemberName("revision_required")] RevisionRequired,
    [JsonStringEnumMemberName("revision_planning")] RevisionPlanning,
    [JsonStringEnumMemberName("coordination")] Coordination,
    [JsonStringEnumMemberName("synthesis")] Synthesis,
    [JsonStringEnumMemberName("manager_final_review")] ManagerFinalReview,
    [JsonStringEnumMemberName("completed")] Completed,
    [JsonStringEnumMemberName("failed")] Failed,
    [JsonStringEnumMemberName("cancelled")] Cancelled,
}

/// <summary>subtasks.status. <see cref="InReview"/> and <see cref="Cancelled"/> are ours: a solution waiting for the manager, and work stopped by a cancellation.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<SubtaskStatus>))]
public enum SubtaskStatus
{
    [JsonStringEnumMemberName("pending")] Pending,
    [JsonStringEnumMemberName("assigned")] Assigned,
    [JsonStringEnumMemberName("in_progress")] InProgress,
    [JsonStringEnumMemberName("in_review")] InReview,
    [JsonStringEnumMemberName("needs_revision")] NeedsRevision,
    [JsonStringEnumMemberName("completed")] Completed,
    [JsonStringEnumMemberName("failed")] Failed,
    [JsonStringEnumMemberName("cancelled")] Cancelled,
}

/// <summary>subtasks.acceptance_status: the manager's verdict on the latest reviewed solution.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<AcceptanceStatus>))]
public enum AcceptanceStatus
{
    [JsonStringEnumMemberName("accepted")] Accepted,
    [JsonStringEnumMemberName("needs_revision")] NeedsRevision,
    [JsonStringEnumMemberName("rejected")] Rejected,
}

/// <summary>revisions.status.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<RevisionStatus>))]
public enum RevisionStatus
{
    [JsonStringEnumMemberName("pending")] Pending,
    [JsonStringEnumMemberName("in_progress")] InProgress,
    [JsonStringEnumMemberName("completed")] Completed,
    [JsonStringEnumMemberName("failed")] Failed,
    [JsonStringEnumMemberName("cancelled")] Cancelled,
}

/// <summary>The rules about statuses that more than one service needs: written once, here.</summary>
public static class TaskStatusRules
{
    /// <summary>Completed, failed and cancelled tasks never change again (a revision of a completed task starts a new run).</summary>
    public static bool IsTerminal(this TaskStatus status) => status is TaskStatus.Completed or TaskStatus.Failed or TaskStatus.Cancelled;

    /// <summary>
    /// Started and not finished: what GET /tasks?status=in_progress lists, what /metrics counts as in progress.
    /// Every status between pending and the end, revisions included.
    /// </summary>
    public static bool IsInProgress(this TaskStatus status) => status is not TaskStatus.Pending && !status.IsTerminal();

    /// <summary>The statuses <see cref="IsInProgress"/> holds for, for database filters.</summary>
    public static readonly IReadOnlyList<TaskStatus> InProgressStatuses = [.. Enum.GetValues<TaskStatus>().Where(IsInProgress)];

    /// <summary>Not yet finished (pending included): what the global concurrent-task limit counts.</summary>
    public static readonly IReadOnlyList<TaskStatus> UnfinishedStatuses = [.. Enum.GetValues<TaskStatus>().Where(s => !s.IsTerminal())];

    public static readonly IReadOnlyList<TaskStatus> TerminalStatuses = [.. Enum.GetValues<TaskStatus>().Where(IsTerminal)];

    /// <summary>Only a completed task can be revised.</summary>
    public static bool CanBeRevised(this TaskStatus status) => status == TaskStatus.Completed;
}

/// <summary>The design document's snake_case name of an enum member (its <see cref="JsonStringEnumMemberNameAttribute"/>).</summary>
public static class EnumNames<TEnum> where TEnum : struct, Enum
{
    private static readonly Dictionary<TEnum, string> Names = Enum.GetValues<TEnum>().ToDictionary(
        value => value,
        value => typeof(TEnum).GetField(value.ToString())!
            .GetCustomAttributes(typeof(JsonStringEnumMemberNameAttribute), false)
            .Cast<JsonStringEnumMemberNameAttribute>()
            .SingleOrDefault()?.Name ?? value.ToString());

    private static readonly Dictionary<string, TEnum> Values = Names.ToDictionary(p => p.Value, p => p.Key, StringComparer.Ordinal);

    public static IReadOnlyCollection<string> All => Values.Keys;

    public static string Name(TEnum value) => Names[value];

    public static TEnum Parse(string name) =>
        Values.TryGetValue(name, out var value) ? value : throw new FormatException($"'{name}' is not a {typeof(TEnum).Name}.");

    public static bool TryParse(string? name, out TEnum value)
    {
        if (name is not null && Values.TryGetValue(name, out value)) return true;
        value = default;
        return false;
    }
}

/// <summary><see cref="EnumNames{TEnum}.Name"/> as an extension: <c>TaskStatus.InProgress.Name()</c> is "in_progress".</summary>
public static class EnumNameExtensions
{
    public static string Name(this TaskStatus value) => EnumNames<TaskStatus>.Name(value);
    public static string Name(this TaskStage value) => EnumNames<TaskStage>.Name(value);
    public static string Name(this SubtaskStatus value) => EnumNames<SubtaskStatus>.Name(value);
    public static string Name(this AcceptanceStatus value) => EnumNames<AcceptanceStatus>.Name(value);
    public static string Name(this RevisionStatus value) => EnumNames<RevisionStatus>.Name(value);
}
