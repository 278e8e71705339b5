namespace MultiAgent.Contracts.Messages;

// Commands the workflow saga sends to the agent step consumers, and the events they answer with.
// Every command names the attempt it belongs to, so a redelivered command writes the same rows instead of new ones.

public interface ITaskMessage
{
    string TaskId { get; }
}

/// <param name="Round">The plan round: 1 for the first plan, +1 for each full-task revision.</param>
public sealed record AnalyzeTask(string TaskId, int Round, string? RevisionId) : ITaskMessage;
public sealed record TaskAnalyzed(string TaskId) : ITaskMessage;

public sealed record SelectSpecialists(string TaskId, int Round) : ITaskMessage;
public sealed record SpecialistsSelected(string TaskId, IReadOnlyList<string> SpecialistTypes) : ITaskMessage;

public sealed record DecomposeTask(string TaskId, int Round) : ITaskMessage;
/// <param name="Phases">Subtask ids by execution phase, computed from the validated dependency graph.</param>
/// <param name="Specialists">The specialist type planned for each subtask.</param>
public sealed record TaskDecomposed(string TaskId, IReadOnlyList<IReadOnlyList<string>> Phases, IReadOnlyDictionary<string, string> Specialists) : ITaskMessage;

/// <param name="Version">Solution version this execution produces (1 for the first answer, +1 per revision).</param>
/// <param name="SpecialistType">Who solves it; differs from the planned specialist when a rejected subtask is reassigned.</param>
public sealed record ExecuteSubtask(string TaskId, string SubtaskId, int Version, string SpecialistType) : ITaskMessage;
public sealed record SubtaskSolved(string TaskId, string SubtaskId, string SolutionId, int Version) : ITaskMessage;

public sealed record ReviewSolution(string TaskId, string SubtaskId, string SolutionId, int Version) : ITaskMessage;

public enum ReviewDecision
{
    Accepted,
    NeedsRevision,
    Rejected,
}

public sealed record SolutionReviewed(string TaskId, string SubtaskId, string SolutionId, int Version, ReviewDecision Decision, double Score) : ITaskMessage;

public sealed record CoordinateSolutions(string TaskId, int Round) : ITaskMessage;
public sealed record SolutionsCoordinated(string TaskId, string SolutionId) : ITaskMessage;

public sealed record SynthesizeAnswer(string TaskId, int Round) : ITaskMessage;
public sealed record AnswerSynthesized(string TaskId, string SolutionId, int Round) : ITaskMessage;

public sealed record ReviewFinalAnswer(string TaskId, string SolutionId, int Round) : ITaskMessage;
public sealed record FinalAnswerReviewed(string TaskId, string SolutionId, int Round, bool Approved) : ITaskMessage;

/// <summary>The saga's decision that the task is done; the consumer stores the final answer and marks the task completed.</summary>
public sealed record CompleteTask(string TaskId, string SynthesisSolutionId, bool PartialCompletion) : ITaskMessage;
public sealed record TaskCompleted(string TaskId) : ITaskMessage;

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
public sealed record RevisionPlanned(string TaskId, string RevisionId, RevisionScope Scope, IReadOnlyList<string> SubtaskIds) : ITaskMessage;

/// <summary>An agent step could not finish (retries exhausted or a non-recoverable error).</summary>
public sealed record AgentStepFailed(string TaskId, string Step, string Reason) : ITaskMessage;

/// <summary>The saga's decision that the task failed; the consumer records the reason.</summary>
public sealed record FailTask(string TaskId, string Reason) : ITaskMessage;
