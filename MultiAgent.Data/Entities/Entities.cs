using MultiAgent.Contracts;
using MultiAgent.Contracts.Api;
using MultiAgent.Contracts.Messages;

namespace MultiAgent.Data.Entities;

// The design document's tables, typed. Statuses are enums stored as the design document's strings; JSON columns have one
// C# type that their writer and their readers share (see JsonColumns). Who writes which column: docs/workflow.md.

public class TaskEntity
{
    // Inserted by the Api.
    public required string TaskId { get; set; }
    public required string UserId { get; set; }
    public required string Title { get; set; }
    public required string Description { get; set; }
    public string Priority { get; set; } = Priorities.Medium;
    public string? Context { get; set; }
    public DateTime CreatedAt { get; set; }

    /// <summary>Optional spending limit for the task's model calls, in USD. Not in the design document's schema.</summary>
    public decimal? BudgetUsd { get; set; }

    // The execution state: written by the Orchestrator's workflow only (the Api inserts the initial values).
    public TaskStatus Status { get; set; } = TaskStatus.Pending;
    public int Progress { get; set; }
    public TaskStage CurrentStage { get; set; } = TaskStage.Initialization;
    public DateTime? EstimatedCompletion { get; set; }
    public DateTime UpdatedAt { get; set; }
    public DateTime? CompletedAt { get; set; }

    /// <summary>Why the task failed (or that it was cancelled): shown to the user. Not in the design document's schema.</summary>
    public string? ErrorMessage { get; set; }

    /// <summary>For a failed or cancelled task, the stage it was in when it stopped. Not in the design document's schema.</summary>
    public TaskStage? StoppedAtStage { get; set; }

    /// <summary>The sequence of the last task event this row's state includes. Not in the design document's schema.</summary>
    public long EventSequence { get; set; }

    /// <summary>The manager's choice of specialists for the current plan. Not in the design document's schema.</summary>
    public List<SelectedSpecialist> SelectedSpecialists { get; set; } = [];
}

public class AgentEntity
{
    public required string AgentId { get; set; }
    public required string AgentType { get; set; }
    public List<string> Capabilities { get; set; } = [];
    public required AgentModelConfig ModelConfig { get; set; }
    public string Status { get; set; } = AgentStatuses.Idle;
    public string? CurrentTaskId { get; set; }

    /// <summary>Subtasks whose solution by this agent the manager accepted.</summary>
    public int TotalTasksCompleted { get; set; }

    /// <summary>The mean of the manager's weighted scores (0–10) of this agent's reviewed solutions.</summary>
    public decimal? AverageRating { get; set; }

    /// <summary>How many reviews <see cref="AverageRating"/> averages. Not in the design document's schema.</summary>
    public int RatingCount { get; set; }

    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }

    /// <summary>One line on what the agent type does (served by GET /agents/types). Not in the design document's schema.</summary>
    public string Description { get; set; } = "";
}

/// <summary>agents.model_config.</summary>
public sealed record AgentModelConfig(string Model, double Temperature, int MaxTokens, string Role);

public static class AgentStatuses
{
    public const string Idle = "idle";
    public const string Busy = "busy";
    public const string Maintenance = "maintenance";
}

public class SubtaskEntity
{
    // Inserted by the manager's decomposition step: the plan.
    public required string SubtaskId { get; set; }
    public required string TaskId { get; set; }
    public string? ParentSubtaskId { get; set; }
    public required string Title { get; set; }
    public required string Description { get; set; }
    public required SubtaskRequirements Requirements { get; set; }
    public int Priority { get; set; }

    /// <summary>1 for the first plan, +1 for each full-task revision; a task shows the subtasks of its latest round.</summary>
    public int PlanRound { get; set; } = 1;

    /// <summary>Execution phase (1 first), computed from the dependency graph.</summary>
    public int Phase { get; set; } = 1;

    /// <summary>Subtasks that must be accepted first (a parent depends on its parts).</summary>
    public List<string> Dependencies { get; set; } = [];
    public DateTime CreatedAt { get; set; }

    // The execution state: written by the Orchestrator's workflow only.
    public SubtaskStatus Status { get; set; } = SubtaskStatus.Pending;
    public string? AssignedAgentId { get; set; }

    /// <summary>The specialist type working on it (another one after a rejection reassigned it).</summary>
    public required string SpecialistType { get; set; }

    /// <summary>The solution version being produced or last reviewed.</summary>
    public int Version { get; set; } = 1;
    public AcceptanceStatus? AcceptanceStatus { get; set; }
    public string? ManagerFeedback { get; set; }

    /// <summary>The manager's weighted score (0–10) of the latest reviewed version.</summary>
    public decimal? Score { get; set; }
    public DateTime UpdatedAt { get; set; }
    public DateTime? StartedAt { get; set; }
    public DateTime? CompletedAt { get; set; }

    // The specialist's latest answer: written by the specialist step.
    public string? Result { get; set; }
    public SubtaskResultMetadata? ResultMetadata { get; set; }
}

/// <summary>subtasks.requirements: what the plan asks of the subtask.</summary>
/// <param name="PlanId">The subtask's id within the manager's plan (st1, st2, …).</param>
public sealed record SubtaskRequirements(string PlanId, string Deliverable, string Priority, string Complexity, IReadOnlyList<string> FocusAreas);

/// <summary>subtasks.result_metadata: about the latest solution.</summary>
public sealed record SubtaskResultMetadata(string SolutionId, int Version, string SpecialistType, IReadOnlyList<string> KeyFindings, double Confidence,
    IReadOnlyList<string> Sources);

public class SolutionEntity
{
    public required string SolutionId { get; set; }
    public required string TaskId { get; set; }
    public string? SubtaskId { get; set; }
    public string? AgentId { get; set; }
    public required string SolutionType { get; set; }
    public required string Content { get; set; }

    /// <summary>Per solution type: the step's structured answer, read back by the step that follows (see the Orchestrator's records).</summary>
    public string? Metadata { get; set; }
    public int Version { get; set; } = 1;
    public bool IsAccepted { get; set; }
    public string? AcceptanceFeedback { get; set; }

    /// <summary>
    /// The manager's review of this version (subtask solutions), stored as the type the Api returns. Not in the design
    /// document's schema.
    /// </summary>
    public ManagerReview? Review { get; set; }
    public DateTime CreatedAt { get; set; }
}

/// <summary>The metadata of a task's <c>final</c> solution: what GET /tasks/{id}/result returns besides the answer.</summary>
public sealed record FinalAnswerMetadata(
    System.Text.Json.JsonElement SupportingData,
    double Confidence,
    IReadOnlyList<ResultSource> Sources,
    bool PartialCompletion,
    IReadOnlyList<string> FailedSubtasks,
    string SynthesisSolutionId,
    string ReviewFeedback);

public class InteractionEntity
{
    public required string InteractionId { get; set; }
    public required string TaskId { get; set; }
    public string? AgentId { get; set; }
    public required string InteractionType { get; set; }
    public required string Action { get; set; }
    public string? Description { get; set; }

    /// <summary>The step's structured record, read back only by the Orchestrator's steps (same record types).</summary>
    public string? Metadata { get; set; }
    public DateTime Timestamp { get; set; }
}

public class RevisionEntity
{
    // Inserted by the Api.
    public required string RevisionId { get; set; }
    public required string TaskId { get; set; }
    public required string RevisionRequest { get; set; }
    public List<string> SpecificAreas { get; set; } = [];
    /// <summary>The scope the user chose; null when the manager decides from the request's words.</summary>
    public RevisionScope? RequestedScope { get; set; }
    /// <summary>With <see cref="RevisionScope.SpecificSubtasks"/>: the subtasks the user chose.</summary>
    public List<string> SubtaskIds { get; set; } = [];
    public string Priority { get; set; } = Priorities.Medium;
    public DateTime CreatedAt { get; set; }

    // Written by the Orchestrator's workflow.
    public RevisionStatus Status { get; set; } = RevisionStatus.Pending;
    public DateTime? CompletedAt { get; set; }
}

public class AiApiUsageEntity
{
    public int UsageId { get; set; }
    public string? TaskId { get; set; }
    public string? AgentId { get; set; }
    public required string Provider { get; set; }
    public required string Model { get; set; }
    public int PromptTokens { get; set; }
    public int CompletionTokens { get; set; }
    public int TotalTokens { get; set; }
    public decimal? CostUsd { get; set; }
    public DateTime Timestamp { get; set; }
}

/// <summary>The persisted state of one task's workflow saga (MassTransit), keyed by the task's GUID.</summary>
public class TaskWorkflowStateEntity
{
    public Guid CorrelationId { get; set; }
    public required string CurrentState { get; set; }
    public int Version { get; set; }
    public required string TaskId { get; set; }
    /// <summary>The rest of the saga's data, serialized by the Orchestrator.</summary>
    public required string Data { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
}
