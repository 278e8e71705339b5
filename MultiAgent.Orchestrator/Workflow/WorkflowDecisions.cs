using MultiAgent.Contracts;
using MultiAgent.Contracts.Messages;
using MultiAgent.Data;

namespace MultiAgent.Orchestrator.Workflow;

/// <summary>What happens once every subtask of the current phase has been reviewed (design document, MANAGER_REVIEW).</summary>
public enum PhaseOutcome
{
    /// <summary>Some solutions need work: back to SPECIALIST_EXECUTION through REVISION_REQUIRED.</summary>
    Revise,

    /// <summary>The phase is done and a later phase has work: SPECIALIST_EXECUTION of that phase.</summary>
    NextPhase,

    /// <summary>Every phase is done and something was accepted: COORDINATION.</summary>
    Coordinate,

    /// <summary>Every phase is done and nothing was accepted: FAILED.</summary>
    Fail,
}

/// <summary>What happens after the manager's final review (design document, MANAGER_FINAL_REVIEW).</summary>
public enum FinalReviewOutcome
{
    Complete,
    Resynthesize,
}

/// <summary>
/// The workflow's decisions, as pure functions of the saga's state: the state machine calls them and acts on the outcome.
/// Tested by themselves (WorkflowDecisionTests).
/// </summary>
public static class WorkflowDecisions
{
    /// <summary>Revision cycles a subtask gets before it is given up (the task then completes partially).</summary>
    public const int MaxRevisionCycles = 2;

    /// <summary>Final reviews per run; after the last one the answer is delivered with what the review said.</summary>
    public const int MaxFinalReviews = 2;

    public static bool PhaseAwaitsSolutions(TaskWorkflowState saga) => saga.InCurrentPhase().Any(s => s.Value.State == SubtaskState.Executing);

    public static bool PhaseAwaitsReviews(TaskWorkflowState saga) => saga.InCurrentPhase().Any(s => s.Value.State == SubtaskState.Reviewing);

    public static PhaseOutcome AfterPhaseReviewed(TaskWorkflowState saga)
    {
        if (saga.InCurrentPhase().Any(s => s.Value.State == SubtaskState.NeedsWork)) return PhaseOutcome.Revise;
        if (NextRunnablePhase(saga) >= 0) return PhaseOutcome.NextPhase;
        return saga.Subtasks.Values.Any(s => s.State == SubtaskState.Accepted) ? PhaseOutcome.Coordinate : PhaseOutcome.Fail;
    }

    /// <summary>The manager's approval, or the last review this run allows: the answer is delivered.</summary>
    public static FinalReviewOutcome AfterFinalReview(bool approved, int finalReviewsThisRun) =>
        approved || finalReviewsThisRun >= MaxFinalReviews ? FinalReviewOutcome.Complete : FinalReviewOutcome.Resynthesize;

    /// <summary>The first phase after the current one with a subtask still to run; -1 when there is none.</summary>
    public static int NextRunnablePhase(TaskWorkflowState saga)
    {
        for (var phase = saga.CurrentPhase + 1; phase < saga.Phases.Count; phase++)
        {
            if (saga.Phases[phase].Any(id => saga.Subtasks.TryGetValue(id, out var s) && s.State == SubtaskState.Pending)) return phase;
        }
        return -1;
    }

    /// <summary>The plan the manager made: phases and subtasks, all pending.</summary>
    public static void Plan(TaskWorkflowState saga, TaskDecomposed plan)
    {
        saga.Phases = [.. plan.Subtasks.GroupBy(s => s.Phase).OrderBy(g => g.Key).Select(g => g.Select(s => s.SubtaskId).ToList())];
        saga.CurrentPhase = 0;
        saga.Subtasks = plan.Subtasks.ToDictionary(s => s.SubtaskId, s => new SubtaskProgress
        {
            Title = s.Title,
            Description = s.Description,
            SpecialistType = s.SpecialistType,
            Phase = s.Phase,
            Dependencies = [.. s.Dependencies],
            ParentSubtaskId = s.ParentSubtaskId,
            PlanRound = plan.Round,
        });
    }

    /// <summary>
    /// Accepted stays accepted; needs-revision goes back to the same specialist with the reviewer's requests; rejected is
    /// reassigned to a different specialist type. After <see cref="MaxRevisionCycles"/> the subtask is given up and the
    /// task continues with what was accepted (partial completion).
    /// </summary>
    public static void ApplyReview(TaskWorkflowState saga, SolutionReviewed review)
    {
        var subtask = saga.Subtasks[review.SubtaskId];
        subtask.Score = review.Score;
        subtask.Feedback = review.Feedback;
        subtask.Acceptance = review.Decision switch
        {
            ReviewDecision.Accepted => AcceptanceStatus.Accepted,
            ReviewDecision.NeedsRevision => AcceptanceStatus.NeedsRevision,
            _ => AcceptanceStatus.Rejected,
        };

        if (review.Decision == ReviewDecision.Accepted)
        {
            subtask.State = SubtaskState.Accepted;
            subtask.AcceptedSolutionId = review.SolutionId;
            return;
        }

        if (subtask.RevisionCycles >= MaxRevisionCycles)
        {
            subtask.State = SubtaskState.GivenUp;
            return;
        }

        subtask.RevisionCycles++;
        subtask.Version++;
        subtask.State = SubtaskState.NeedsWork;
        if (review.Decision == ReviewDecision.Rejected)
        {
            subtask.SpecialistType = ReassignTo(saga.SelectedSpecialists.Select(s => s.Type).ToList(), subtask.SpecialistType);
        }
    }

    /// <summary>Another selected specialist (rotating, so repeated rejections try different perspectives), else the generalist.</summary>
    public static string ReassignTo(IReadOnlyList<string> selected, string current)
    {
        var others = selected.Where(s => s != current).ToList();
        if (others.Count > 0)
        {
            var index = selected.ToList().IndexOf(current);
            return others[Math.Max(index, 0) % others.Count];
        }
        return current == AgentRegistry.GeneralistType ? current : AgentRegistry.GeneralistType;
    }

    /// <summary>A user revision of specific subtasks: each gets a new version and fresh revision cycles; execution restarts at the earliest phase.</summary>
    public static void Reopen(TaskWorkflowState saga, IReadOnlyList<string> subtaskIds)
    {
        foreach (var id in subtaskIds.Where(saga.Subtasks.ContainsKey))
        {
            var subtask = saga.Subtasks[id];
            subtask.Version = subtask.Versions + 1;
            subtask.RevisionCycles = 0;
            subtask.State = SubtaskState.Pending;
            subtask.Acceptance = null;
            subtask.AcceptedSolutionId = null;
            subtask.Score = null;
            subtask.Feedback = null;
            subtask.CompletedAt = null;
        }
        saga.CurrentPhase = Math.Max(0, saga.Phases.FindIndex(p => p.Any(id => saga.Subtasks.TryGetValue(id, out var s) && s.State == SubtaskState.Pending)));
    }

    /// <summary>The accepted solutions of the current plan, in plan order: what the coordinator aggregates.</summary>
    public static IReadOnlyList<AcceptedSolution> AcceptedSolutions(TaskWorkflowState saga) =>
        [.. saga.Phases.SelectMany(p => p)
            .Where(id => saga.Subtasks.TryGetValue(id, out var s) && s.State == SubtaskState.Accepted && s.AcceptedSolutionId is not null)
            .Select(id => new AcceptedSolution(id, saga.Subtasks[id].AcceptedSolutionId!))];

    /// <summary>The public status of a subtask the workflow tracks.</summary>
    public static SubtaskStatus StatusOf(SubtaskProgress subtask) => subtask.State switch
    {
        SubtaskState.Pending => SubtaskStatus.Assigned,
        SubtaskState.Executing => SubtaskStatus.InProgress,
        SubtaskState.Solved or SubtaskState.Reviewing => SubtaskStatus.InReview,
        SubtaskState.Accepted => SubtaskStatus.Completed,
        SubtaskState.NeedsWork => SubtaskStatus.NeedsRevision,
        SubtaskState.GivenUp => SubtaskStatus.Failed,
        _ => SubtaskStatus.Cancelled,
    };
}
