using System.Text.Json;
using MultiAgent.Contracts.Messages;

namespace MultiAgent.Contracts.Api;

/// <param name="BudgetUsd">Optional: the most the task's model calls may cost, in USD; a task that reaches it fails with "budget exceeded".</param>
public sealed record CreateTaskRequest(
    string? Title,
    string? Description,
    string? Priority,
    JsonElement? Context,
    string? UserId,
    decimal? BudgetUsd = null);

public sealed record TaskCreatedResponse(
    string TaskId,
    TaskStatus Status,
    DateTimeOffset CreatedAt,
    DateTimeOffset? EstimatedCompletion);

public sealed record AssignedAgent(string AgentId, string Type, string Status);

/// <summary>A specialist the manager chose for the task, with the score the selection gave it and why.</summary>
public sealed record SelectedSpecialist(string Type, double RelevanceScore, string Rationale);

/// <param name="Sequence">The sequence of the last task event this state includes (0 before the workflow started).</param>
/// <param name="StoppedAtStage">For a failed or cancelled task: the stage it was in when it stopped.</param>
public sealed record TaskDetails(
    string TaskId,
    string UserId,
    string Title,
    string Description,
    string Priority,
    TaskStatus Status,
    int Progress,
    TaskStage CurrentStage,
    JsonElement? Context,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? CompletedAt,
    DateTimeOffset? EstimatedCompletion,
    string? Error,
    TaskStage? StoppedAtStage,
    long Sequence,
    decimal? BudgetUsd,
    IReadOnlyList<SelectedSpecialist> SelectedSpecialists,
    IReadOnlyList<AssignedAgent> AssignedAgents,
    IReadOnlyList<SubtaskSummary> Subtasks,
    TaskUsage Usage,
    TaskResult? Result);

/// <param name="Phase">Execution phase (1 first), computed from the dependency graph.</param>
/// <param name="Version">The solution version being worked on or last reviewed (1 for the first answer).</param>
/// <param name="Versions">How many solution versions are stored.</param>
/// <param name="Score">The manager's weighted score (0–10) of the latest reviewed version.</param>
/// <param name="PlanRound">The plan it belongs to: 1, then +1 for each full-task revision (a task shows its latest plan).</param>
public sealed record SubtaskSummary(
    string SubtaskId,
    int PlanRound,
    string? ParentSubtaskId,
    string Title,
    string Description,
    SubtaskStatus Status,
    string? AssignedAgentId,
    string? AgentType,
    int Phase,
    IReadOnlyList<string> Dependencies,
    AcceptanceStatus? AcceptanceStatus,
    string? ManagerFeedback,
    double? Score,
    int Version,
    int Versions,
    string? ResultPreview,
    DateTimeOffset? StartedAt,
    DateTimeOffset? CompletedAt);

public sealed record TaskUsage(int PromptTokens, int CompletionTokens, int TotalTokens, decimal CostUsd, int Calls, bool Simulated);

/// <summary>Where an answer comes from: a subtask's accepted solution (and the specialist who wrote it), or a reference an agent cited.</summary>
/// <param name="Kind"><c>subtask</c> or <c>reference</c>.</param>
public sealed record ResultSource(string Kind, string Title, string? SubtaskId, string? AgentType);

public static class ResultSourceKinds
{
    public const string Subtask = "subtask";
    public const string Reference = "reference";
}

public sealed record TaskResult(
    string FinalAnswer,
    JsonElement? SupportingData,
    double Confidence,
    IReadOnlyList<ResultSource> Sources,
    bool PartialCompletion,
    bool Simulated);

public sealed record TaskResultResponse(
    string TaskId,
    TaskStatus Status,
    TaskResult? Result,
    DateTimeOffset? CompletedAt,
    string? Error);

/// <param name="CostUsd">What the task's model calls cost so far, per the AI gateway's ledger; null when the gateway could not be read.</param>
/// <param name="TotalTokens">The tokens of those calls; null when the gateway could not be read.</param>
public sealed record TaskSummary(
    string TaskId,
    string UserId,
    string Title,
    string Priority,
    TaskStatus Status,
    int Progress,
    TaskStage CurrentStage,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? CompletedAt,
    long Sequence,
    decimal? CostUsd = null,
    long? TotalTokens = null);

public sealed record Pagination(int Page, int Limit, int Total, int Pages);

public sealed record TaskListResponse(IReadOnlyList<TaskSummary> Tasks, Pagination Pagination);

public sealed record CancelTaskResponse(string TaskId, TaskStatus Status, string Message);

/// <param name="Scope">
/// What to redo (<see cref="RevisionScopes"/>): <c>final_answer</c> (the answer is written again from the accepted solutions),
/// <c>subtasks</c> (the ones in <paramref name="SubtaskIds"/> and every subtask that depends on them) or <c>whole_task</c>
/// (analysed and planned again). Left out, the manager decides from the request's words and the specific areas.
/// </param>
/// <param name="SubtaskIds">With scope <c>subtasks</c>: ids of subtasks of the task's current plan.</param>
public sealed record ReviseTaskRequest(string? RevisionRequest, IReadOnlyList<string>? SpecificAreas, string? Priority,
    string? Scope = null, IReadOnlyList<string>? SubtaskIds = null);

/// <summary>The <c>scope</c> values of a revision request, and their meaning for the workflow.</summary>
public static class RevisionScopes
{
    public const string FinalAnswer = "final_answer";
    public const string Subtasks = "subtasks";
    public const string WholeTask = "whole_task";

    public static readonly IReadOnlyList<string> All = [FinalAnswer, Subtasks, WholeTask];

    public static RevisionScope? Parse(string? scope) => scope switch
    {
        FinalAnswer => RevisionScope.FinalAnswer,
        Subtasks => RevisionScope.SpecificSubtasks,
        WholeTask => RevisionScope.FullTask,
        _ => null,
    };

    public static string Name(RevisionScope scope) => scope switch
    {
        RevisionScope.FinalAnswer => FinalAnswer,
        RevisionScope.SpecificSubtasks => Subtasks,
        _ => WholeTask,
    };
}

public sealed record ReviseTaskResponse(string TaskId, string RevisionId, TaskStatus Status, DateTimeOffset? EstimatedCompletion);
