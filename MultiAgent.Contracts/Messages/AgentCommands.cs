using MultiAgent.Contracts.Api;

namespace MultiAgent.Contracts.Messages;

// Commands the workflow saga sends to the agent steps, and the results the steps answer with. Every command names the
// attempt it belongs to (round, version), so a redelivered command writes the same rows instead of new ones. Results carry
// what the saga needs to record the step and tell subscribers (a one-line description of what the agent did): the saga is
// the only writer of the task's state, the steps write only their own output (solutions, interactions).

public interface ITaskMessage
{
    string TaskId { get; }
}

/// <param name="Round">The plan round: 1 for the first plan, +1 for each full-task revision.</param>
public sealed record AnalyzeTask(string TaskId, int Round, string? RevisionId) : ITaskMessage;
public sealed record TaskAnalyzed(string TaskId, int Round, string Description, DateTimeOffset At) : ITaskMessage;

public sealed record SelectSpecialists(string TaskId, int Round) : ITaskMessage;
public sealed record SpecialistsSelected(string TaskId, int Round, IReadOnlyList<SelectedSpecialist> Specialists, string Description, DateTimeOffset At)
    : ITaskMessage;

public sealed record DecomposeTask(string TaskId, int Round) : ITaskMessage;

/// <summary>One subtask of a validated plan.</summary>
/// <param name="Phase">1-based execution phase computed from the dependency graph.</param>
public sealed record SubtaskPlan(string SubtaskId, string Title, string Description, string SpecialistType, int Phase,
    IReadOnlyList<string> Dependencies, string? ParentSubtaskId);

public sealed record TaskDecomposed(string TaskId, int Round, IReadOnlyList<SubtaskPlan> Subtasks, string Description, DateTimeOffset At)
    : ITaskMessage;

/// <param name="Version">Solution version this execution produces (1 for the first answer, +1 per revision).</param>
/// <param name="SpecialistType">Who solves it; differs from the planned specialist when a rejected subtask is reassigned.</param>
public sealed record ExecuteSubtask(string TaskId, string SubtaskId, int Version, string SpecialistType) : ITaskMessage;

/// <param name="Preview">The start of the solution, for live subscribers.</param>
public sealed record SubtaskSolved(string TaskId, string SubtaskId, string SolutionId, int Version, string SpecialistType, string Preview,
    string Description, DateTimeOffset At) : ITaskMessage;

public sealed record ReviewSolution(string TaskId, string SubtaskId, string SolutionId, int Version) : ITaskMessage;

public enum ReviewDecision
{
    Accepted,
    NeedsRevision,
    Rejected,
}

/// <param name="Score">The rubric's weighted score (0–10).</param>
/// <param name="Feedback">The manager's feedback with the revision requests, as the specialist will read it.</param>
public sealed record SolutionReviewed(string TaskId, string SubtaskId, string SolutionId, int Version, ReviewDecision Decision, double Score,
    string Feedback, string Description, DateTimeOffset At) : ITaskMessage;

/// <summary>An accepted solution the coordinator aggregates.</summary>
public sealed record AcceptedSolution(string SubtaskId, string SolutionId);

/// <param name="Accepted">Exactly the accepted solutions of the current plan, in plan order.</param>
public sealed record CoordinateSolutions(string TaskId, int Round, IReadOnlyList<AcceptedSolution> Accepted) : ITaskMessage;
public sealed record SolutionsCoordinated(string TaskId, int Round, string SolutionId, string Description, DateTimeOffset At) : ITaskMessage;

/// <param name="Round">Synthesis number within the task (unique: it names the solution row).</param>
/// <param name="CoordinationSolutionId">The aggregation to synthesise.</param>
/// <param name="PreviousReview">Why the manager sent the previous draft back, when it did (this run only).</param>
/// <param name="UserRevision">The user asked for this run (a revision), as opposed to the first run.</param>
public sealed record SynthesizeAnswer(string TaskId, int Round, string CoordinationSolutionId, string? PreviousReview, bool UserRevision)
    : ITaskMessage;
public sealed record AnswerSynthesized(string TaskId, string SolutionId, int Round, string Description, DateTimeOffset At) : ITaskMessage;

public sealed record ReviewFinalAnswer(string TaskId, string SolutionId, int Round) : ITaskMessage;
public sealed record FinalAnswerReviewed(string TaskId, string SolutionId, int Round, bool Approved, double Score, string Feedback,
    string Description, DateTimeOffset At) : ITaskMessage;

public enum RevisionScope
{
    /// <summary>Back to task analysis: a new plan.</summary>
    FullTask,

    /// <summary>The named subtasks and everything downstream of them are executed again.</summary>
    SpecificSubtasks,

    /// <summary>Back to the analyst: a new synthesis of the accepted solutions.</summary>
    FinalAnswer,
}

/// <summary>The saga asks the manager to decide how far back a user's revision request reaches.</summary>
public sealed record PlanRevision(string TaskId, string RevisionId, IReadOnlyList<string> CurrentSubtaskIds) : ITaskMessage;

/// <param name="SubtaskIds">For <see cref="RevisionScope.SpecificSubtasks"/>: the subtasks to execute again, downstream ones included.</param>
public sealed record RevisionPlanned(string TaskId, string RevisionId, RevisionScope Scope, IReadOnlyList<string> SubtaskIds, string Description,
    DateTimeOffset At) : ITaskMessage;

/// <summary>An agent step could not finish (retries exhausted or a non-recoverable error).</summary>
public sealed record AgentStepFailed(string TaskId, string Step, string Reason) : ITaskMessage;

/// <summary>An agent step failed in a way that may pass; it is tried again after <paramref name="RetryInSeconds"/>.</summary>
public sealed record AgentStepRetrying(string TaskId, string Step, string Reason, int Attempt, int RetryInSeconds) : ITaskMessage;
