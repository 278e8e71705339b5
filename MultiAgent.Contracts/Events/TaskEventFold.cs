using MultiAgent.Contracts.Api;

namespace MultiAgent.Contracts.Events;

/// <summary>What applying one event to a held task state did.</summary>
public enum FoldOutcome
{
    /// <summary>The event was the next one: the state is current.</summary>
    Applied,

    /// <summary>The event is not newer than the state: nothing changed (a late or repeated event).</summary>
    Stale,

    /// <summary>The event was applied, but at least one before it was missed: read the task again to fill in the rest.</summary>
    Gap,
}

/// <summary>
/// How a client keeps a task's state (as <c>GET /api/v1/tasks/{id}</c> returns it) current from its events: the one rule for
/// every client, so a stale event can never overwrite a newer state. Events carry absolute values, so applying one after a
/// gap is correct for what it carries; the gap only means something else may have changed too.
/// </summary>
public static class TaskEventFold
{
    public static (TaskDetails State, FoldOutcome Outcome) Apply(TaskDetails state, ITaskEvent taskEvent)
    {
        if (taskEvent.TaskId != state.TaskId || taskEvent.Sequence <= state.Sequence)
        {
            return (state, FoldOutcome.Stale);
        }

        var outcome = taskEvent.Sequence == state.Sequence + 1 ? FoldOutcome.Applied : FoldOutcome.Gap;
        var next = taskEvent switch
        {
            TaskStatusUpdateEvent e => state with
            {
                Status = e.Status,
                Progress = e.Progress,
                CurrentStage = e.Stage,
                EstimatedCompletion = e.EstimatedCompletion,
                CompletedAt = e.CompletedAt,
                Error = e.Error,
                UpdatedAt = e.Timestamp,
            },
            StageTransitionEvent e => state with { CurrentStage = e.ToStage, UpdatedAt = e.Timestamp },
            SubtaskUpdateEvent e => state with { Subtasks = Upsert(state.Subtasks, e.Subtask), UpdatedAt = e.Timestamp },
            AgentActivityEvent e => state.AssignedAgents.Any(a => a.AgentId == e.AgentId)
                ? state
                : state with { AssignedAgents = [.. state.AssignedAgents, new AssignedAgent(e.AgentId, e.AgentType, "busy")] },
            TaskCompletedEvent e => state with { Status = e.Status, UpdatedAt = e.Timestamp },
            _ => state,
        };
        return (next with { Sequence = taskEvent.Sequence }, outcome);
    }

    /// <summary>A snapshot replaces the held state only when it is not older.</summary>
    public static TaskDetails Newer(TaskDetails? held, TaskDetails snapshot) =>
        held is null || snapshot.Sequence >= held.Sequence ? snapshot : held;

    private static IReadOnlyList<SubtaskSummary> Upsert(IReadOnlyList<SubtaskSummary> subtasks, SubtaskSummary subtask)
    {
        // A full-task revision makes a new plan: its first subtask replaces the old plan's on screen, as GET /tasks/{id} shows.
        var list = subtasks.Where(s => s.PlanRound >= subtask.PlanRound).ToList();
        var index = list.FindIndex(s => s.SubtaskId == subtask.SubtaskId);
        if (index >= 0) list[index] = subtask;
        else list.Add(subtask);
        // Shown by phase, then in the order the plan made them.
        return [.. list.Select((s, i) => (s, i)).OrderBy(x => x.s.Phase).ThenBy(x => x.i).Select(x => x.s)];
    }
}
