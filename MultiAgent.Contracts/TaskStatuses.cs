namespace MultiAgent.Contracts;

/// <summary>Values of tasks.status, as in the design document.</summary>
public static class TaskStatuses
{
    public const string Pending = "pending";
    public const string InProgress = "in_progress";
    public const string Coordination = "coordination";
    public const string Synthesis = "synthesis";
    public const string ManagerReview = "manager_review";
    public const string Completed = "completed";
    public const string Failed = "failed";
    public const string Cancelled = "cancelled";
    public const string RevisionPending = "revision_pending";
    public const string RevisionInProgress = "revision_in_progress";

    public static readonly IReadOnlyList<string> All =
        [Pending, InProgress, Coordination, Synthesis, ManagerReview, Completed, Failed, Cancelled, RevisionPending, RevisionInProgress];

    public static bool IsTerminal(string status) => status is Completed or Failed or Cancelled;
}

/// <summary>Values of tasks.current_stage: the workflow states of the design document, lower-cased.</summary>
public static class Stages
{
    public const string Initialization = "initialization";
    public const string TaskAnalysis = "task_analysis";
    public const string SpecialistSelection = "specialist_selection";
    public const string TaskDecomposition = "task_decomposition";
    public const string SpecialistExecution = "specialist_execution";
    public const string ManagerReview = "manager_review";
    public const string RevisionRequired = "revision_required";
    public const string RevisionPlanning = "revision_planning";
    public const string Coordination = "coordination";
    public const string Synthesis = "synthesis";
    public const string ManagerFinalReview = "manager_final_review";
    public const string Completed = "completed";
    public const string Failed = "failed";
    public const string Cancelled = "cancelled";
}

public static class SubtaskStatuses
{
    public const string Pending = "pending";
    public const string Assigned = "assigned";
    public const string InProgress = "in_progress";
    public const string Completed = "completed";
    public const string Failed = "failed";
    public const string NeedsRevision = "needs_revision";
}

public static class AcceptanceStatuses
{
    public const string Accepted = "accepted";
    public const string Rejected = "rejected";
    public const string NeedsRevision = "needs_revision";
}

public static class SolutionTypes
{
    public const string Subtask = "subtask";
    public const string Coordination = "coordination";
    public const string Synthesis = "synthesis";
    public const string Final = "final";
}

public static class InteractionTypes
{
    public const string TaskAnalysis = "task_analysis";
    public const string SpecialistSelection = "specialist_selection";
    public const string SubtaskCreation = "subtask_creation";
    public const string SubtaskAssignment = "subtask_assignment";
    public const string SolutionSubmission = "solution_submission";
    public const string SolutionReview = "solution_review";
    public const string Coordination = "coordination";
    public const string Synthesis = "synthesis";
    public const string FinalReview = "final_review";
    public const string RevisionPlanning = "revision_planning";
    public const string Cancellation = "cancellation";
    public const string Failure = "failure";
}

public static class Priorities
{
    public const string Low = "low";
    public const string Medium = "medium";
    public const string High = "high";
    public const string Urgent = "urgent";

    public static readonly IReadOnlyList<string> All = [Low, Medium, High, Urgent];

    public static int Rank(string priority) => priority switch
    {
        Low => 0,
        Medium => 1,
        High => 2,
        Urgent => 3,
        _ => 1,
    };
}

public static class AgentTypes
{
    public const string Manager = "manager";
    public const string Coordinator = "coordinator";
    public const string Analyst = "analyst";

    public static string AgentId(string agentType) => "agent_" + agentType;
}
