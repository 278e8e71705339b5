using MultiAgent.Contracts;

namespace MultiAgent.Orchestrator.Workflow;

/// <summary>How far along a task is and which status the user sees, from its stage and its subtasks.</summary>
public static class TaskProgress
{
    public static int Percent(TaskStage stage, IReadOnlyCollection<SubtaskProgress> subtasks) => stage switch
    {
        TaskStage.Initialization or TaskStage.RevisionPlanning => 0,
        TaskStage.TaskAnalysis => 5,
        TaskStage.SpecialistSelection => 10,
        TaskStage.TaskDecomposition => 15,
        TaskStage.SpecialistExecution or TaskStage.ManagerReview or TaskStage.RevisionRequired => 20 + (int)Math.Floor(55 * DoneFraction(subtasks)),
        TaskStage.Coordination => 80,
        TaskStage.Synthesis => 88,
        TaskStage.ManagerFinalReview => 95,
        TaskStage.Completed => 100,
        _ => 0,
    };

    /// <summary>A subtask counts half when it has an answer awaiting review and fully once accepted or given up on.</summary>
    public static double DoneFraction(IReadOnlyCollection<SubtaskProgress> subtasks)
    {
        if (subtasks.Count == 0) return 0;
        var points = subtasks.Sum(s => s.State switch
        {
            SubtaskState.Accepted or SubtaskState.GivenUp => 2,
            SubtaskState.Solved or SubtaskState.Reviewing => 1,
            _ => 0,
        });
        return points / (2.0 * subtasks.Count);
    }

    /// <summary>The task status for a stage; a revision run shows revision_pending while it is planned, then revision_in_progress.</summary>
    public static TaskStatus StatusFor(TaskStage stage, bool revisionRun) => stage switch
    {
        TaskStage.Completed => TaskStatus.Completed,
        TaskStage.Failed => TaskStatus.Failed,
        TaskStage.Cancelled => TaskStatus.Cancelled,
        TaskStage.RevisionPlanning => TaskStatus.RevisionPending,
        _ when revisionRun => TaskStatus.RevisionInProgress,
        TaskStage.Initialization => TaskStatus.Pending,
        TaskStage.ManagerReview or TaskStage.ManagerFinalReview => TaskStatus.ManagerReview,
        TaskStage.Coordination => TaskStatus.Coordination,
        TaskStage.Synthesis => TaskStatus.Synthesis,
        _ => TaskStatus.InProgress,
    };

    /// <summary>Extrapolates the time left from the time spent so far and the progress made.</summary>
    public static DateTime EstimateCompletion(DateTime startedAt, DateTime now, int percent)
    {
        var elapsed = now - startedAt;
        if (percent <= 0 || elapsed <= TimeSpan.Zero) return now.AddMinutes(2);
        var remaining = TimeSpan.FromTicks((long)(elapsed.Ticks * (100.0 - percent) / percent));
        return now + remaining;
    }
}
