namespace MultiAgent.Contracts;

// Values the design document gives as strings that are not states: kinds of solutions and interactions, priorities, agents.

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
    public const string Completion = "completion";
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

    public const string AgentIdPrefix = "agent_";

    public static string AgentId(string agentType) => AgentIdPrefix + agentType;

    public static string TypeOf(string agentId) => agentId.StartsWith(AgentIdPrefix, StringComparison.Ordinal) ? agentId[AgentIdPrefix.Length..] : agentId;
}
