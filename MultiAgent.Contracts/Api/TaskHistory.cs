namespace MultiAgent.Contracts.Api;

// What the agents produced on the way, for the task page: every version of a subtask's solution with the manager's review
// (GET /api/v1/tasks/{id}/subtasks/{subtask_id}), every version of the final answer (GET .../answers) and the revisions the
// user asked for (GET .../revisions).

/// <param name="Deliverable">What the plan asks the subtask to produce.</param>
/// <param name="Versions">Every solution version, oldest first, each with the manager's review once it has one.</param>
public sealed record SubtaskDetails(
    string TaskId,
    SubtaskSummary Subtask,
    string? Deliverable,
    IReadOnlyList<string> FocusAreas,
    IReadOnlyList<SolutionVersion> Versions);

/// <param name="Content">The specialist's whole answer (markdown).</param>
public sealed record SolutionVersion(
    string SolutionId,
    int Version,
    string? AgentId,
    string? AgentType,
    string Content,
    bool IsAccepted,
    string? AcceptanceFeedback,
    ManagerReview? Review,
    DateTimeOffset CreatedAt);

/// <summary>The manager's review of a solution: the rubric's four criterion scores (0–10), its weighted score and verdict, and the feedback.</summary>
public sealed record ManagerReview(
    double Completeness,
    double Accuracy,
    double Relevance,
    double Quality,
    double WeightedScore,
    AcceptanceStatus Decision,
    string Feedback,
    IReadOnlyList<string> Strengths,
    IReadOnlyList<string> Weaknesses,
    IReadOnlyList<string> RevisionRequests);

public sealed record TaskAnswersResponse(string TaskId, IReadOnlyList<AnswerVersion> Answers);

/// <summary>One delivered final answer. The first comes from the task's own run, each later one from a revision.</summary>
/// <param name="Version">1 for the first answer, +1 for each answer a revision delivered.</param>
/// <param name="RevisionId">The revision that produced it; null for the first answer.</param>
/// <param name="ReviewFeedback">What the manager's final review said.</param>
public sealed record AnswerVersion(
    int Version,
    string SolutionId,
    string? RevisionId,
    string FinalAnswer,
    double Confidence,
    bool PartialCompletion,
    string ReviewFeedback,
    DateTimeOffset CreatedAt);

public sealed record TaskRevisionsResponse(string TaskId, IReadOnlyList<RevisionSummary> Revisions);

/// <param name="Scope">How far back the manager sent the task for this revision, in words; null until it decided.</param>
/// <param name="AnswerVersion">The answer version the revision delivered; null until it completed.</param>
/// <param name="RequestedScope">The scope the user chose (<see cref="RevisionScopes"/>); null when the manager decided.</param>
/// <param name="SubtaskIds">The subtasks the user chose to redo.</param>
public sealed record RevisionSummary(
    string RevisionId,
    string RevisionRequest,
    IReadOnlyList<string> SpecificAreas,
    string Priority,
    RevisionStatus Status,
    string? Scope,
    int? AnswerVersion,
    DateTimeOffset CreatedAt,
    DateTimeOffset? CompletedAt,
    string? RequestedScope = null,
    IReadOnlyList<string>? SubtaskIds = null);
