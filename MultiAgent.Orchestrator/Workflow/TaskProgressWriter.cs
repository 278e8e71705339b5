using MassTransit;
using Microsoft.EntityFrameworkCore;
using MultiAgent.Contracts;
using MultiAgent.Contracts.Events;
using MultiAgent.Contracts.Messages;
using MultiAgent.Data;

namespace MultiAgent.Orchestrator.Workflow;

/// <summary>Writes the task's visible status, stage and progress, and tells real-time subscribers.</summary>
public sealed class TaskProgressWriter(MultiAgentDbContext db, TimeProvider time)
{
    public async Task EnterStageAsync(ConsumeContext context, TaskWorkflowState saga, string stage)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var revising = saga.RevisionId is not null;
        var status = revising ? TaskStatuses.RevisionInProgress : TaskProgress.StatusFor(stage);
        var percent = TaskProgress.Percent(stage, saga.Subtasks.Values);

        var task = await db.Tasks.AsNoTracking()
            .Where(t => t.TaskId == saga.TaskId)
            .Select(t => new { t.Status, t.CurrentStage, t.Progress, t.CreatedAt })
            .FirstOrDefaultAsync(context.CancellationToken);
        if (task is null || TaskStatuses.IsTerminal(task.Status)) return;

        // Progress only rises within a run; a revision starts a new run from its first stage.
        var restart = revising && task.Status == TaskStatuses.RevisionPending;
        if (!restart) percent = Math.Max(percent, task.Progress);
        var estimate = TaskProgress.EstimateCompletion(saga.RunStartedAt ?? task.CreatedAt, now, percent);

        // Conditional on a non-terminal status, so a cancellation that landed in between is never overwritten.
        var updated = await db.Tasks
            .Where(t => t.TaskId == saga.TaskId && !TerminalStatuses.Contains(t.Status))
            .ExecuteUpdateAsync(s => s
                .SetProperty(t => t.Status, status)
                .SetProperty(t => t.CurrentStage, stage)
                .SetProperty(t => t.Progress, t => restart || t.Progress <= percent ? percent : t.Progress)
                .SetProperty(t => t.EstimatedCompletion, estimate)
                .SetProperty(t => t.UpdatedAt, now), context.CancellationToken);
        if (updated == 0) return;

        if (task.CurrentStage != stage)
        {
            await context.Publish(TaskEvents.StageTransition(saga.TaskId, status, percent, task.CurrentStage, stage, now));
        }
        await context.Publish(TaskEvents.Status(saga.TaskId, status, percent, stage, now));
    }

    public async Task UpdateProgressAsync(ConsumeContext context, TaskWorkflowState saga)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var task = await db.Tasks.AsNoTracking()
            .Where(t => t.TaskId == saga.TaskId)
            .Select(t => new { t.Status, t.CurrentStage, t.Progress })
            .FirstOrDefaultAsync(context.CancellationToken);
        if (task is null || TaskStatuses.IsTerminal(task.Status) || task.CurrentStage is null) return;

        var percent = TaskProgress.Percent(task.CurrentStage, saga.Subtasks.Values);
        if (percent <= task.Progress) return;

        var updated = await db.Tasks
            .Where(t => t.TaskId == saga.TaskId && !TerminalStatuses.Contains(t.Status))
            .ExecuteUpdateAsync(s => s
                .SetProperty(t => t.Progress, t => t.Progress > percent ? t.Progress : percent)
                .SetProperty(t => t.UpdatedAt, now), context.CancellationToken);
        if (updated > 0)
        {
            await context.Publish(TaskEvents.Status(saga.TaskId, task.Status, percent, task.CurrentStage, now));
        }
    }

    /// <summary>Subtasks the saga gave up on after the maximum revision cycles are marked failed for everyone to see.</summary>
    public async Task RecordGivenUpSubtasksAsync(ConsumeContext context, TaskWorkflowState saga)
    {
        var failed = saga.Subtasks.Where(s => s.Value.Status == SubtaskState.Failed).Select(s => s.Key).ToList();
        if (failed.Count == 0) return;
        var now = time.GetUtcNow().UtcDateTime;
        var updated = await db.Subtasks
            .Where(s => failed.Contains(s.SubtaskId) && s.Status != SubtaskStatuses.Failed)
            .ExecuteUpdateAsync(s => s
                .SetProperty(x => x.Status, SubtaskStatuses.Failed)
                .SetProperty(x => x.UpdatedAt, now), context.CancellationToken);
        if (updated == 0) return;
        foreach (var subtaskId in failed)
        {
            await context.Publish(TaskEvents.SubtaskUpdate(saga.TaskId, subtaskId, SubtaskStatuses.Failed,
                $"No acceptable solution after {TaskWorkflowStateMachine.MaxRevisionCycles} revision cycles", now));
        }
    }

    private static readonly string[] TerminalStatuses = [TaskStatuses.Completed, TaskStatuses.Failed, TaskStatuses.Cancelled];
}

/// <summary>Builders for the progress messages the Api relays to real-time subscribers.</summary>
public static class TaskEvents
{
    public static TaskProgressChanged Status(string taskId, string status, int progress, string? stage, DateTime at) =>
        new(taskId, TaskEventNames.TaskStatusUpdate, status, progress, stage, null, null, null, null, null, null, at);

    public static TaskProgressChanged StageTransition(string taskId, string status, int progress, string? from, string to, DateTime at) =>
        new(taskId, TaskEventNames.StageTransition, status, progress, to, from, null, null, null, null, null, at);

    public static TaskProgressChanged AgentActivity(string taskId, string agentType, string action, string description, DateTime at) =>
        new(taskId, TaskEventNames.AgentActivity, "", 0, null, null, AgentTypes.AgentId(agentType), agentType, action, null, description, at);

    public static TaskProgressChanged SubtaskUpdate(string taskId, string subtaskId, string status, string? preview, DateTime at) =>
        new(taskId, TaskEventNames.SubtaskUpdate, status, 0, null, null, null, null, null, subtaskId, preview, at);

    public static TaskProgressChanged Completed(string taskId, DateTime at) =>
        new(taskId, TaskEventNames.TaskCompleted, TaskStatuses.Completed, 100, Stages.Completed, null, null, null, null, null, null, at);

    public static TaskProgressChanged Error(string taskId, string error, DateTime at) =>
        new(taskId, TaskEventNames.ErrorOccurred, TaskStatuses.Failed, 0, Stages.Failed, null, null, null, null, null, error, at);
}
