namespace MultiAgent.Data.Entities;

// The design document's seven tables. JSONB columns are kept as raw JSON strings: each reader parses the shape it owns.

public class TaskEntity
{
    public required string TaskId { get; set; }
    public required string UserId { get; set; }
    public required string Title { get; set; }
    public required string Description { get; set; }
    public string Priority { get; set; } = "medium";
    public string Status { get; set; } = "pending";
    public string? Context { get; set; }
    public int Progress { get; set; }
    public string? CurrentStage { get; set; }
    public DateTime? EstimatedCompletion { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
    public DateTime? CompletedAt { get; set; }

    /// <summary>Why the task failed (or was cancelled): shown to the user. Not in the design document's schema.</summary>
    public string? ErrorMessage { get; set; }
}

public class AgentEntity
{
    public required string AgentId { get; set; }
    public required string AgentType { get; set; }
    public required string Capabilities { get; set; }
    public required string ModelConfig { get; set; }
    public string Status { get; set; } = "idle";
    public string? CurrentTaskId { get; set; }
    public int TotalTasksCompleted { get; set; }
    public decimal? AverageRating { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }

    /// <summary>One line on what the agent type does (served by GET /agents/types). Not in the design document's schema.</summary>
    public string Description { get; set; } = "";
}

public class SubtaskEntity
{
    public required string SubtaskId { get; set; }
    public required string TaskId { get; set; }
    public string? ParentSubtaskId { get; set; }
    public string? AssignedAgentId { get; set; }
    public required string Title { get; set; }
    public required string Description { get; set; }
    /// <summary>JSON: deliverable, dependencies, specialist type, complexity, phase, focus areas.</summary>
    public string? Requirements { get; set; }
    public string Status { get; set; } = "pending";
    public int Priority { get; set; }
    public string? Result { get; set; }
    public string? ResultMetadata { get; set; }
    public string? AcceptanceStatus { get; set; }
    public string? ManagerFeedback { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
    public DateTime? StartedAt { get; set; }
    public DateTime? CompletedAt { get; set; }
}

public class SolutionEntity
{
    public required string SolutionId { get; set; }
    public required string TaskId { get; set; }
    public string? SubtaskId { get; set; }
    public string? AgentId { get; set; }
    public required string SolutionType { get; set; }
    public required string Content { get; set; }
    public string? Metadata { get; set; }
    public int Version { get; set; } = 1;
    public bool IsAccepted { get; set; }
    public string? AcceptanceFeedback { get; set; }
    public DateTime CreatedAt { get; set; }
}

public class InteractionEntity
{
    public required string InteractionId { get; set; }
    public required string TaskId { get; set; }
    public string? AgentId { get; set; }
    public required string InteractionType { get; set; }
    public required string Action { get; set; }
    public string? Description { get; set; }
    public string? Metadata { get; set; }
    public DateTime Timestamp { get; set; }
}

public class RevisionEntity
{
    public required string RevisionId { get; set; }
    public required string TaskId { get; set; }
    public required string RevisionRequest { get; set; }
    public string? SpecificAreas { get; set; }
    public string Priority { get; set; } = "medium";
    public string Status { get; set; } = "pending";
    public DateTime CreatedAt { get; set; }
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
