using MultiAgent.Contracts;

namespace MultiAgent.Orchestrator.Workflow;

/// <summary>How far along a task is and which status the user sees, from its stage and its subtasks.</summary>
public static class TaskProgress
{
    public static int Percent(string stage, IReadOnlyCollection<SubtaskProgress> subtasks) => stage switch
    {
        Stages.Initialization or Stages.RevisionPlanning => 0,
        Stages.TaskAnalysis => 5,
        Stages.SpecialistSelection => 10,
        Stages.TaskDecomposition => 15,
        Stages.SpecialistExecution or Stages.ManagerReview or Stages.RevisionRequired => 20 + (int)Math.Floor(55 * DoneFraction(subtasks)),
        Stages.Coordination => 80,
        Stages.Synthesis => 88,
        Stages.ManagerFinalReview => 95,
        Stages.Completed => 100,
        _ => 0,
    };

    /// <summary>A subtask counts half when it has an answer awaiting review and fully once accepted or given up on.</summary>
    public static double DoneFraction(IReadOnlyCollection<SubtaskProgress> subtasks)
    {
        if (subtasks.Count == 0) return 0;
        var points = subtasks.Sum(s => s.Status switch
        {
            SubtaskState.Accepted or SubtaskState.Failed => 2,
            SubtaskState.Solved or SubtaskState.Reviewing => 1,
            _ => 0,
        });
        return points / (2.0 * subtasks.Count);
    }

    public static string StatusFor(string stage) => stage switch
    {
        Stages.ManagerReview or Stages.ManagerFinalReview => TaskStatuses.ManagerReview,
        Stages.Coordination => TaskStatuses.Coordination,
        Stages.Synthesis => TaskStatuses.Synthesis,
        Stages.Completed => TaskStatuses.Completed,
        _ => TaskStatuses.InProgress,
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
