using MassTransit;

namespace MultiAgent.Orchestrator.Workflow;

/// <summary>The saga instance of one task's workflow, persisted in Postgres (task_workflows) after every message.</summary>
public class TaskWorkflowState : SagaStateMachineInstance, ISagaVersion
{
    public Guid CorrelationId { get; set; }
    public string CurrentState { get; set; } = "";
    public int Version { get; set; }

    public string TaskId { get; set; } = "";

    public List<string> SelectedSpecialists { get; set; } = [];

    /// <summary>Execution phases computed from the dependency graph: subtask ids that may run in parallel.</summary>
    public List<List<string>> Phases { get; set; } = [];
    public int CurrentPhase { get; set; }

    public Dictionary<string, SubtaskProgress> Subtasks { get; set; } = [];

    /// <summary>1 for the first plan, +1 for each full-task revision.</summary>
    public int PlanRound { get; set; }
    public int CoordinationRound { get; set; }
    public int SynthesisRound { get; set; }
    public string? LatestSynthesisId { get; set; }

    /// <summary>The user revision being worked on, if any.</summary>
    public string? RevisionId { get; set; }

    /// <summary>A revision requested while the completion was still being recorded; it starts once the task is completed.</summary>
    public string? PendingRevisionId { get; set; }

    public string? FailureReason { get; set; }

    /// <summary>When the current run began: the submission, or the latest revision request.</summary>
    public DateTime? RunStartedAt { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }

    public IEnumerable<KeyValuePair<string, SubtaskProgress>> InCurrentPhase() =>
        CurrentPhase < Phases.Count
            ? Phases[CurrentPhase].Where(Subtasks.ContainsKey).Select(id => new KeyValuePair<string, SubtaskProgress>(id, Subtasks[id]))
            : [];

    public bool HasPartialResults => Subtasks.Values.Any(s => s.Status == SubtaskState.Failed);
}

public class SubtaskProgress
{
    public SubtaskState Status { get; set; } = SubtaskState.Pending;
    public string SpecialistType { get; set; } = "";
    /// <summary>Version of the solution being produced or reviewed: 1 for the first answer, +1 per revision.</summary>
    public int Version { get; set; } = 1;
    public int RevisionCycles { get; set; }
    public string? SolutionId { get; set; }
}

public enum SubtaskState
{
    Pending,
    Executing,
    Solved,
    Reviewing,
    Accepted,
    NeedsWork,
    Failed,
}
