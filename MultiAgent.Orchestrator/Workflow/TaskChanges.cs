using MassTransit;
using MultiAgent.Contracts;
using MultiAgent.Contracts.Api;
using MultiAgent.Contracts.Events;
using MultiAgent.Data;
using MultiAgent.Data.Entities;

namespace MultiAgent.Orchestrator.Workflow;

/// <summary>
/// The changes one saga message makes to a task, collected by the state machine's activities and written by the saga
/// repository in the same transaction as the saga itself: the tasks row, the changed subtasks rows, interactions and the
/// revision's status. The task events are numbered here (<see cref="TaskWorkflowState.Sequence"/>) and published after the
/// transaction committed (in-memory outbox), so an event never announces a state that was not stored.
/// </summary>
/// <remarks>One instance per message (scoped): the saga repository and the activities of a message share it.</remarks>
public sealed class TaskChanges(MultiAgentDbContext db, TimeProvider time)
{
    /// <summary>Header carrying the task owner's id on published task events, so the Api can route them to the owner's connections.</summary>
    public const string UserIdHeader = "MultiAgent-UserId";

    private readonly List<Func<long, ITaskEvent>> _events = [];
    private readonly List<string> _subtasks = [];
    private readonly List<ITaskEvent> _ready = [];
    private bool _taskChanged;
    private bool _finished;

    /// <summary>This message's time, at the microsecond precision Postgres stores (so an event equals the row read back).</summary>
    public DateTime Now { get; } = Microseconds(time.GetUtcNow().UtcDateTime);

    public bool IsEmpty => _events.Count == 0 && _subtasks.Count == 0 && !_taskChanged && !_finished;

    /// <summary>Moves the task to <paramref name="stage"/>: status, progress and estimate follow from it.</summary>
    public void EnterStage(TaskWorkflowState saga, TaskStage stage)
    {
        var from = saga.Stage;
        saga.Stage = stage;
        saga.Status = TaskProgress.StatusFor(stage, saga.IsRevisionRun);
        saga.UpdatedAt = Now;
        // A revision is a new run: its progress starts again from zero; within a run progress only rises.
        var percent = TaskProgress.Percent(stage, saga.Subtasks.Values);
        saga.Progress = stage == TaskStage.RevisionPlanning ? percent : Math.Max(saga.Progress, percent);
        saga.EstimatedCompletion = stage is TaskStage.Completed or TaskStage.Failed or TaskStage.Cancelled
            ? null
            : Microseconds(TaskProgress.EstimateCompletion(saga.RunStartedAt ?? saga.CreatedAt, Now, saga.Progress));
        _taskChanged = true;
        if (from != stage)
        {
            var at = Now;
            _events.Add(sequence => new StageTransitionEvent(saga.TaskId, sequence, from, stage, at));
        }
    }

    /// <summary>Progress within the current stage (subtasks solved or reviewed).</summary>
    public void UpdateProgress(TaskWorkflowState saga)
    {
        var percent = Math.Max(saga.Progress, TaskProgress.Percent(saga.Stage, saga.Subtasks.Values));
        if (percent == saga.Progress) return;
        saga.Progress = percent;
        saga.EstimatedCompletion = Microseconds(TaskProgress.EstimateCompletion(saga.RunStartedAt ?? saga.CreatedAt, Now, percent));
        _taskChanged = true;
    }

    /// <summary>The task's row changed in a way no stage change covers (e.g. the selected specialists).</summary>
    public void TaskChanged() => _taskChanged = true;

    /// <summary>A subtask's state changed: its row is written and a subtask_update sent.</summary>
    public void SubtaskChanged(string subtaskId)
    {
        if (!_subtasks.Contains(subtaskId)) _subtasks.Add(subtaskId);
    }

    public void AgentActivity(TaskWorkflowState saga, string agentType, string action, string description, string? subtaskId, DateTimeOffset at) =>
        _events.Add(sequence => new AgentActivityEvent(saga.TaskId, sequence, AgentTypes.AgentId(agentType), agentType, action, description, subtaskId, at));

    public void Error(TaskWorkflowState saga, string error, string severity, int? retryInSeconds, string? step)
    {
        var at = Now;
        _events.Add(sequence => new ErrorOccurredEvent(saga.TaskId, sequence, error, severity, retryInSeconds is not null, retryInSeconds, step, at));
    }

    /// <summary>The task reached completed, failed or cancelled: task_completed is its last event.</summary>
    public void Finished() => _finished = true;

    /// <summary>Adds an interaction (the task's activity log); its id derives from <paramref name="key"/>, so it is written once.</summary>
    public void Interaction(TaskWorkflowState saga, string key, string? agentType, string interactionType, string action, string description) =>
        db.Interactions.Add(new InteractionEntity
        {
            InteractionId = Ids.Deterministic(Ids.InteractionPrefix, $"{saga.TaskId}:{key}"),
            TaskId = saga.TaskId,
            AgentId = agentType is null ? null : AgentTypes.AgentId(agentType),
            InteractionType = interactionType,
            Action = action,
            Description = description,
            Timestamp = Now,
        });

    public void RevisionStatus(string revisionId, RevisionStatus status)
    {
        var revision = db.Revisions.Local.FirstOrDefault(r => r.RevisionId == revisionId)
                       ?? db.Revisions.Attach(new RevisionEntity { RevisionId = revisionId, TaskId = "", RevisionRequest = "" }).Entity;
        var entry = db.Entry(revision);
        revision.Status = status;
        entry.Property(r => r.Status).IsModified = true;
        if (status is not Contracts.RevisionStatus.Pending and not Contracts.RevisionStatus.InProgress)
        {
            revision.CompletedAt = Now;
            entry.Property(r => r.CompletedAt).IsModified = true;
        }
    }

    /// <summary>
    /// Stages the rows this message changed on the saga's DbContext and numbers its events; called by the saga repository
    /// just before it saves. <see cref="PublishAsync"/> sends the events once the transaction is stored.
    /// </summary>
    public void Stage(TaskWorkflowState saga)
    {
        if (IsEmpty) return;

        foreach (var factory in _events) _ready.Add(factory(++saga.Sequence));
        foreach (var subtaskId in _subtasks)
        {
            if (!saga.Subtasks.TryGetValue(subtaskId, out var subtask)) continue;
            WriteSubtask(saga, subtaskId, subtask);
            var summary = Summarize(subtaskId, subtask);
            _ready.Add(new SubtaskUpdateEvent(saga.TaskId, ++saga.Sequence, subtaskId, summary.Status, summary.ResultPreview, summary, Now));
        }
        if (_taskChanged || _events.Count > 0 || _subtasks.Count > 0)
        {
            _ready.Add(new TaskStatusUpdateEvent(saga.TaskId, ++saga.Sequence, saga.Status, saga.Progress, saga.Stage,
                Offset(saga.EstimatedCompletion), Offset(saga.CompletedAt), saga.Error, Now));
        }
        if (_finished)
        {
            _ready.Add(new TaskCompletedEvent(saga.TaskId, ++saga.Sequence, saga.Status, saga.Status == TaskStatus.Completed, Now));
        }
        WriteTask(saga);
    }

    public async Task PublishAsync(TaskWorkflowState saga, ConsumeContext context)
    {
        foreach (var taskEvent in _ready)
        {
            await context.Publish(taskEvent, taskEvent.GetType(), Pipe.Execute<PublishContext>(p => p.Headers.Set(UserIdHeader, saga.UserId)));
        }
    }

    /// <summary>The public view of a subtask, as GET /tasks/{id} and subtask_update show it.</summary>
    public static SubtaskSummary Summarize(string subtaskId, SubtaskProgress s) => new(
        subtaskId,
        s.PlanRound,
        s.ParentSubtaskId,
        s.Title,
        s.Description,
        WorkflowDecisions.StatusOf(s),
        AgentTypes.AgentId(s.SpecialistType),
        s.SpecialistType,
        s.Phase,
        s.Dependencies,
        s.Acceptance,
        s.Feedback,
        s.Score,
        s.Version,
        s.Versions,
        s.Preview,
        Offset(s.StartedAt),
        Offset(s.CompletedAt));

    // The tasks row is written without reading it first: only the columns the workflow owns are marked modified.
    private void WriteTask(TaskWorkflowState saga)
    {
        var task = db.Tasks.Local.FirstOrDefault(t => t.TaskId == saga.TaskId)
                   ?? db.Tasks.Attach(new TaskEntity { TaskId = saga.TaskId, UserId = "", Title = "", Description = "" }).Entity;
        task.Status = saga.Status;
        task.CurrentStage = saga.Stage;
        task.Progress = saga.Progress;
        task.EstimatedCompletion = saga.EstimatedCompletion;
        task.CompletedAt = saga.CompletedAt;
        task.ErrorMessage = saga.Error;
        task.StoppedAtStage = saga.StoppedAtStage;
        task.SelectedSpecialists = saga.SelectedSpecialists;
        task.EventSequence = saga.Sequence;
        task.UpdatedAt = Now;
        var entry = db.Entry(task);
        foreach (var property in TaskColumns) entry.Property(property).IsModified = true;
    }

    private void WriteSubtask(TaskWorkflowState saga, string subtaskId, SubtaskProgress s)
    {
        var row = db.Subtasks.Local.FirstOrDefault(x => x.SubtaskId == subtaskId)
                  ?? db.Subtasks.Attach(new SubtaskEntity
                  {
                      SubtaskId = subtaskId, TaskId = saga.TaskId, Title = "", Description = "", SpecialistType = "",
                      Requirements = new SubtaskRequirements("", "", "", "", []),
                  }).Entity;
        row.Status = WorkflowDecisions.StatusOf(s);
        row.SpecialistType = s.SpecialistType;
        row.AssignedAgentId = AgentTypes.AgentId(s.SpecialistType);
        row.Version = s.Version;
        row.AcceptanceStatus = s.Acceptance;
        row.ManagerFeedback = s.Feedback;
        row.Score = s.Score is { } score ? (decimal)Math.Round(score, 2) : null;
        row.StartedAt = s.StartedAt;
        row.CompletedAt = s.CompletedAt;
        row.UpdatedAt = Now;
        var entry = db.Entry(row);
        foreach (var property in SubtaskColumns) entry.Property(property).IsModified = true;
    }

    private static readonly string[] TaskColumns =
    [
        nameof(TaskEntity.Status), nameof(TaskEntity.CurrentStage), nameof(TaskEntity.Progress), nameof(TaskEntity.EstimatedCompletion),
        nameof(TaskEntity.CompletedAt), nameof(TaskEntity.ErrorMessage), nameof(TaskEntity.StoppedAtStage), nameof(TaskEntity.SelectedSpecialists),
        nameof(TaskEntity.EventSequence), nameof(TaskEntity.UpdatedAt),
    ];

    private static readonly string[] SubtaskColumns =
    [
        nameof(SubtaskEntity.Status), nameof(SubtaskEntity.SpecialistType), nameof(SubtaskEntity.AssignedAgentId), nameof(SubtaskEntity.Version),
        nameof(SubtaskEntity.AcceptanceStatus), nameof(SubtaskEntity.ManagerFeedback), nameof(SubtaskEntity.Score), nameof(SubtaskEntity.StartedAt),
        nameof(SubtaskEntity.CompletedAt), nameof(SubtaskEntity.UpdatedAt),
    ];

    public static DateTime Microseconds(DateTime value) => new(value.Ticks - value.Ticks % 10, DateTimeKind.Utc);

    private static DateTimeOffset? Offset(DateTime? value) => value is { } v ? new DateTimeOffset(DateTime.SpecifyKind(v, DateTimeKind.Utc)) : null;
}
