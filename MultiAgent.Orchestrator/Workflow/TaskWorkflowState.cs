using MassTransit;
using MultiAgent.Contracts;
using MultiAgent.Contracts.Api;

namespace MultiAgent.Orchestrator.Workflow;

/// <summary>
/// The saga instance of one task's workflow, persisted in Postgres (task_workflows) after every message. It is the owner of
/// the task's execution state: the tasks and subtasks rows are written from it in the same transaction (see
/// <see cref="TaskChanges"/>), and every change is announced as a task event numbered by <see cref="Sequence"/>.
/// </summary>
public class TaskWorkflowState : SagaStateMachineInstance, ISagaVersion
{
    public Guid CorrelationId { get; set; }
    public string CurrentState { get; set; } = "";
    public int Version { get; set; }

    public string TaskId { get; set; } = "";
    public string UserId { get; set; } = "";

    /// <summary>The task's priority (a revision may raise it): sets the message priority of its steps.</summary>
    public string Priority { get; set; } = Priorities.Medium;

    // What the user sees: copied to the tasks row.
    public TaskStatus Status { get; set; } = TaskStatus.Pending;
    public TaskStage Stage { get; set; } = TaskStage.Initialization;
    public int Progress { get; set; }
    public DateTime? EstimatedCompletion { get; set; }
    public DateTime? CompletedAt { get; set; }
    public string? Error { get; set; }
    public TaskStage? StoppedAtStage { get; set; }
    public List<SelectedSpecialist> SelectedSpecialists { get; set; } = [];

    /// <summary>The number of the last task event published; the tasks row stores it with the state it describes.</summary>
    public long Sequence { get; set; }

    /// <summary>1 for the first plan, +1 for each full-task revision.</summary>
    public int PlanRound { get; set; }

    /// <summary>Execution phases computed from the dependency graph: subtask ids that may run in parallel.</summary>
    public List<List<string>> Phases { get; set; } = [];
    public int CurrentPhase { get; set; }
    public Dictionary<string, SubtaskProgress> Subtasks { get; set; } = [];

    public int CoordinationRound { get; set; }
    public string? CoordinationSolutionId { get; set; }

    /// <summary>Syntheses made for the task so far (it numbers their solution rows).</summary>
    public int SynthesisRound { get; set; }

    /// <summary>Final reviews in the current run (the first run, or a revision): bounded by the state machine.</summary>
    public int FinalReviewsThisRun { get; set; }
    public string? LatestSynthesisId { get; set; }

    /// <summary>What the manager's last final review said (this run), for the next synthesis and the delivered answer.</summary>
    public string? LastFinalReview { get; set; }
    public bool LastFinalReviewApproved { get; set; }

    /// <summary>The user revision being worked on, if any.</summary>
    public string? RevisionId { get; set; }

    /// <summary>When the current run began: the submission, or the latest revision request.</summary>
    public DateTime? RunStartedAt { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }

    /// <summary>The message that moved the saga into its current state: if it is delivered again, the state's commands are re-sent.</summary>
    public Guid? EnteredBy { get; set; }

    public IEnumerable<KeyValuePair<string, SubtaskProgress>> InCurrentPhase() =>
        CurrentPhase < Phases.Count
            ? Phases[CurrentPhase].Where(Subtasks.ContainsKey).Select(id => new KeyValuePair<string, SubtaskProgress>(id, Subtasks[id]))
            : [];

    public bool HasPartialResults => Subtasks.Values.Any(s => s.State == SubtaskState.GivenUp);

    public bool IsRevisionRun => RevisionId is not null;
}

/// <summary>One subtask as the workflow tracks it; the public view (<see cref="SubtaskSummary"/>) is derived from it.</summary>
public class SubtaskProgress
{
    public SubtaskState State { get; set; } = SubtaskState.Pending;
    public string Title { get; set; } = "";
    public string Description { get; set; } = "";
    public string SpecialistType { get; set; } = "";
    public int Phase { get; set; } = 1;
    public List<string> Dependencies { get; set; } = [];
    public string? ParentSubtaskId { get; set; }
    public int PlanRound { get; set; } = 1;

    /// <summary>Version of the solution being produced or reviewed: 1 for the first answer, +1 per revision.</summary>
    public int Version { get; set; } = 1;

    /// <summary>Solution versions stored so far.</summary>
    public int Versions { get; set; }
    public int RevisionCycles { get; set; }
    public string? SolutionId { get; set; }
    public string? AcceptedSolutionId { get; set; }
    public AcceptanceStatus? Acceptance { get; set; }
    public double? Score { get; set; }
    public string? Feedback { get; set; }
    public string? Preview { get; set; }
    public DateTime? StartedAt { get; set; }
    public DateTime? CompletedAt { get; set; }
}

public enum SubtaskState
{
    Pending,
    Executing,
    Solved,
    Reviewing,
    Accepted,
    NeedsWork,
    GivenUp,
    Cancelled,
}
