using MassTransit;
using MultiAgent.Contracts;
using MultiAgent.Contracts.Messages;

namespace MultiAgent.Orchestrator.Workflow;

/// <summary>
/// One task's workflow, following the design document's state table:
/// PENDING → TASK_ANALYSIS → SPECIALIST_SELECTION → TASK_DECOMPOSITION → SPECIALIST_EXECUTION → MANAGER_REVIEW
/// ⇄ REVISION_REQUIRED → (next phase | COORDINATION) → SYNTHESIS → MANAGER_FINAL_REVIEW (⇄ SYNTHESIS) → COMPLETED;
/// any running state → FAILED (a step gave up) | CANCELLED (the user). COMPLETED → REVISION_PLANNING on a user revision.
/// </summary>
/// <remarks>
/// The saga only decides. Entering a state sets its stage and sends the commands it waits on (<see cref="WorkflowCommands"/>);
/// the decisions are pure functions (<see cref="WorkflowDecisions"/>); what changes is written and announced through
/// <see cref="TaskChanges"/> in the saga's own transaction. Agent steps are consumers that do the work and answer.
/// </remarks>
public class TaskWorkflowStateMachine : MassTransitStateMachine<TaskWorkflowState>
{
    public State TaskAnalysis { get; private set; } = null!;
    public State SpecialistSelection { get; private set; } = null!;
    public State TaskDecomposition { get; private set; } = null!;
    public State SpecialistExecution { get; private set; } = null!;
    public State ManagerReview { get; private set; } = null!;
    public State RevisionRequired { get; private set; } = null!;
    public State Coordination { get; private set; } = null!;
    public State Synthesis { get; private set; } = null!;
    public State ManagerFinalReview { get; private set; } = null!;
    public State RevisionPlanning { get; private set; } = null!;
    public State Completed { get; private set; } = null!;
    public State Failed { get; private set; } = null!;
    public State Cancelled { get; private set; } = null!;

    // From the Api
    public Event<TaskSubmitted> Submitted { get; private set; } = null!;
    public Event<CancelTask> CancelRequested { get; private set; } = null!;
    public Event<ReviseTask> RevisionRequested { get; private set; } = null!;

    // From the agent steps
    public Event<TaskAnalyzed> Analyzed { get; private set; } = null!;
    public Event<SpecialistsSelected> SpecialistsChosen { get; private set; } = null!;
    public Event<TaskDecomposed> Decomposed { get; private set; } = null!;
    public Event<SubtaskSolved> SubtaskSolved { get; private set; } = null!;
    public Event<SolutionReviewed> SolutionReviewed { get; private set; } = null!;
    public Event<SolutionsCoordinated> Coordinated { get; private set; } = null!;
    public Event<AnswerSynthesized> Synthesized { get; private set; } = null!;
    public Event<FinalAnswerReviewed> FinalReviewed { get; private set; } = null!;
    public Event<RevisionPlanned> RevisionScoped { get; private set; } = null!;
    public Event<AgentStepFailed> StepFailed { get; private set; } = null!;
    public Event<AgentStepRetrying> StepRetrying { get; private set; } = null!;

    // The outcomes of the saga's own decisions (raised by it, one When each)
    public Event RevisionsNeeded { get; private set; } = null!;
    public Event NextPhaseReady { get; private set; } = null!;
    public Event AllPhasesReviewed { get; private set; } = null!;
    public Event NothingAccepted { get; private set; } = null!;
    public Event AnswerApproved { get; private set; } = null!;
    public Event AnswerSentBack { get; private set; } = null!;

    public TaskWorkflowStateMachine()
    {
        InstanceState(x => x.CurrentState);

        Event(() => Submitted, e =>
        {
            e.CorrelateById(m => Ids.ToTaskGuid(m.Message.TaskId));
            e.SetSagaFactory(m => NewWorkflow(m.Message.TaskId, m.Message.UserId, m.Message.Priority));
        });
        // A task can be cancelled before its workflow started (the submission is still queued): the saga starts cancelled.
        Event(() => CancelRequested, e =>
        {
            e.CorrelateById(m => Ids.ToTaskGuid(m.Message.TaskId));
            e.SetSagaFactory(m => NewWorkflow(m.Message.TaskId, m.Message.RequestedBy, Priorities.Medium));
        });
        Event(() => RevisionRequested, e =>
        {
            e.CorrelateById(m => Ids.ToTaskGuid(m.Message.TaskId));
            e.OnMissingInstance(m => m.ExecuteAsync(c => c.RespondAsync(new TaskRevisionResult(c.Message.TaskId, c.Message.RevisionId, false,
                TaskStatus.Pending, null, "The task has not started yet; only a completed task can be revised."))));
        });
        CorrelateByTask(() => Analyzed);
        CorrelateByTask(() => SpecialistsChosen);
        CorrelateByTask(() => Decomposed);
        CorrelateByTask(() => SubtaskSolved);
        CorrelateByTask(() => SolutionReviewed);
        CorrelateByTask(() => Coordinated);
        CorrelateByTask(() => Synthesized);
        CorrelateByTask(() => FinalReviewed);
        CorrelateByTask(() => RevisionScoped);
        CorrelateByTask(() => StepFailed);
        CorrelateByTask(() => StepRetrying);

        // Late or repeated results (after a cancellation, a failure, or for an older version) change nothing.
        OnUnhandledEvent(x => x.Ignore());

        // Entering a state: its stage, and the commands it waits on. Terminal states record how the task ended.
        foreach (var (state, stage) in new[]
                 {
                     (TaskAnalysis, TaskStage.TaskAnalysis), (SpecialistSelection, TaskStage.SpecialistSelection),
                     (TaskDecomposition, TaskStage.TaskDecomposition), (SpecialistExecution, TaskStage.SpecialistExecution),
                     (ManagerReview, TaskStage.ManagerReview), (RevisionRequired, TaskStage.RevisionRequired),
                     (Coordination, TaskStage.Coordination), (Synthesis, TaskStage.Synthesis),
                     (ManagerFinalReview, TaskStage.ManagerFinalReview), (RevisionPlanning, TaskStage.RevisionPlanning),
                 })
        {
            WhenEnter(state, x => x.EnterStage(stage).SendAwaitedCommands());
        }
        WhenEnter(Completed, x => x.Add(new CompleteTaskActivity()));
        WhenEnter(Failed, x => x.Add(new FailTaskActivity()));
        WhenEnter(Cancelled, x => x.Add(new CancelTaskActivity()));

        // PENDING → TASK_ANALYSIS
        Initially(
            When(Submitted)
                .Then(c => StartRun(c.Saga, c.Changes().Now, planRound: 1))
                .TransitionTo(TaskAnalysis),
            When(CancelRequested)
                .TransitionTo(Cancelled)
                .Respond(c => CancelledResult(c.Saga)));

        // TASK_ANALYSIS → SPECIALIST_SELECTION
        During(TaskAnalysis,
            When(Analyzed, c => c.Message.Round == c.Saga.PlanRound)
                .RecordAgentActivity(m => (AgentTypes.Manager, InteractionTypes.TaskAnalysis, m.Description, null, m.At))
                .TransitionTo(SpecialistSelection));

        // SPECIALIST_SELECTION → TASK_DECOMPOSITION
        During(SpecialistSelection,
            When(SpecialistsChosen, c => c.Message.Round == c.Saga.PlanRound)
                .Then(c =>
                {
                    c.Saga.SelectedSpecialists = [.. c.Message.Specialists];
                    c.Changes().TaskChanged();
                })
                .RecordAgentActivity(m => (AgentTypes.Manager, InteractionTypes.SpecialistSelection, m.Description, null, m.At))
                .TransitionTo(TaskDecomposition));

        // TASK_DECOMPOSITION → SPECIALIST_EXECUTION of the first phase
        During(TaskDecomposition,
            When(Decomposed, c => c.Message.Round == c.Saga.PlanRound)
                .Then(c => WorkflowDecisions.Plan(c.Saga, c.Message))
                .RecordAgentActivity(m => (AgentTypes.Manager, InteractionTypes.SubtaskCreation, m.Description, null, m.At))
                .Then(c => StartPhase(c.Saga, c.Changes()))
                .TransitionTo(SpecialistExecution));

        // SPECIALIST_EXECUTION → MANAGER_REVIEW once every subtask of the phase has an answer
        During(SpecialistExecution,
            When(SubtaskSolved, c => IsAwaited(c.Saga, c.Message.SubtaskId, c.Message.Version, SubtaskState.Executing))
                .Then(c => Solved(c.Saga, c.Message, c.Changes()))
                .RecordAgentActivity(m => (m.SpecialistType, "subtask_completed", m.Description, m.SubtaskId, m.At))
                .If(c => !WorkflowDecisions.PhaseAwaitsSolutions(c.Saga), review => review
                    .Then(c => SendToReview(c.Saga, c.Changes()))
                    .TransitionTo(ManagerReview)));

        // MANAGER_REVIEW → one of four outcomes once every solution of the phase is reviewed
        During(ManagerReview,
            When(SolutionReviewed, c => IsAwaited(c.Saga, c.Message.SubtaskId, c.Message.Version, SubtaskState.Reviewing))
                .Then(c => Reviewed(c.Saga, c.Message, c.Changes()))
                .RecordAgentActivity(m => (AgentTypes.Manager, InteractionTypes.SolutionReview, m.Description, m.SubtaskId, m.At))
                .If(c => !WorkflowDecisions.PhaseAwaitsReviews(c.Saga), decide => decide
                    .ThenAsync(c => c.Raise(WorkflowDecisions.AfterPhaseReviewed(c.Saga) switch
                    {
                        PhaseOutcome.Revise => RevisionsNeeded,
                        PhaseOutcome.NextPhase => NextPhaseReady,
                        PhaseOutcome.Coordinate => AllPhasesReviewed,
                        _ => NothingAccepted,
                    }))),
            // → REVISION_REQUIRED → SPECIALIST_EXECUTION: the solutions that need work go back (same or another specialist)
            When(RevisionsNeeded)
                .TransitionTo(RevisionRequired)
                .Then(c => Revise(c.Saga, c.Changes()))
                .TransitionTo(SpecialistExecution),
            // → SPECIALIST_EXECUTION of the next phase
            When(NextPhaseReady)
                .Then(c =>
                {
                    c.Saga.CurrentPhase = WorkflowDecisions.NextRunnablePhase(c.Saga);
                    StartPhase(c.Saga, c.Changes());
                })
                .TransitionTo(SpecialistExecution),
            // → COORDINATION
            When(AllPhasesReviewed)
                .Then(c => c.Saga.CoordinationRound++)
                .TransitionTo(Coordination),
            // → FAILED
            When(NothingAccepted)
                .Then(c => c.Saga.Error = $"No subtask produced an acceptable solution after {WorkflowDecisions.MaxRevisionCycles} revision cycles.")
                .TransitionTo(Failed));

        // COORDINATION → SYNTHESIS
        During(Coordination,
            When(Coordinated, c => c.Message.Round == c.Saga.CoordinationRound)
                .Then(c =>
                {
                    c.Saga.CoordinationSolutionId = c.Message.SolutionId;
                    c.Saga.SynthesisRound++;
                })
                .RecordAgentActivity(m => (AgentTypes.Coordinator, InteractionTypes.Coordination, m.Description, null, m.At))
                .TransitionTo(Synthesis));

        // SYNTHESIS → MANAGER_FINAL_REVIEW
        During(Synthesis,
            When(Synthesized, c => c.Message.Round == c.Saga.SynthesisRound)
                .Then(c => c.Saga.LatestSynthesisId = c.Message.SolutionId)
                .RecordAgentActivity(m => (AgentTypes.Analyst, InteractionTypes.Synthesis, m.Description, null, m.At))
                .TransitionTo(ManagerFinalReview));

        // MANAGER_FINAL_REVIEW → COMPLETED, or back to SYNTHESIS (bounded per run)
        During(ManagerFinalReview,
            When(FinalReviewed, c => c.Message.Round == c.Saga.SynthesisRound)
                .Then(c =>
                {
                    c.Saga.FinalReviewsThisRun++;
                    c.Saga.LastFinalReviewApproved = c.Message.Approved;
                    c.Saga.LastFinalReview = c.Message.Feedback;
                })
                .RecordAgentActivity(m => (AgentTypes.Manager, InteractionTypes.FinalReview, m.Description, null, m.At))
                .ThenAsync(c => c.Raise(WorkflowDecisions.AfterFinalReview(c.Message.Approved, c.Saga.FinalReviewsThisRun) switch
                {
                    FinalReviewOutcome.Complete => AnswerApproved,
                    _ => AnswerSentBack,
                })),
            When(AnswerApproved)
                .TransitionTo(Completed),
            When(AnswerSentBack)
                .Then(c => c.Saga.SynthesisRound++)
                .TransitionTo(Synthesis));

        // COMPLETED → REVISION_PLANNING: the manager decides how far back the user's request reaches
        During(Completed,
            When(RevisionRequested)
                .Then(c => StartRevision(c.Saga, c.Message, c.Changes().Now))
                .TransitionTo(RevisionPlanning)
                .Respond(c => new TaskRevisionResult(c.Saga.TaskId, c.Message.RevisionId, true, c.Saga.Status,
                    Offset(c.Saga.EstimatedCompletion), "Revision requested; the agents are working on it.")),
            When(CancelRequested)
                .Respond(c => NotCancelled(c.Saga)));

        During(RevisionPlanning,
            When(RevisionScoped, c => c.Message.RevisionId == c.Saga.RevisionId && c.Message.Scope == RevisionScope.FullTask)
                .RecordAgentActivity(m => (AgentTypes.Manager, InteractionTypes.RevisionPlanning, m.Description, null, m.At))
                .Then(c => NewPlan(c.Saga, c.Changes()))
                .TransitionTo(TaskAnalysis),
            When(RevisionScoped, c => c.Message.RevisionId == c.Saga.RevisionId && c.Message.Scope == RevisionScope.SpecificSubtasks
                                      && c.Message.SubtaskIds.Any(c.Saga.Subtasks.ContainsKey))
                .RecordAgentActivity(m => (AgentTypes.Manager, InteractionTypes.RevisionPlanning, m.Description, null, m.At))
                .Then(c =>
                {
                    WorkflowDecisions.Reopen(c.Saga, c.Message.SubtaskIds);
                    foreach (var id in c.Message.SubtaskIds.Where(c.Saga.Subtasks.ContainsKey)) c.Changes().SubtaskChanged(id);
                    c.Changes().RevisionStatus(c.Saga.RevisionId!, RevisionStatus.InProgress);
                    StartPhase(c.Saga, c.Changes());
                })
                .TransitionTo(SpecialistExecution),
            When(RevisionScoped, c => c.Message.RevisionId == c.Saga.RevisionId
                                      && (c.Message.Scope == RevisionScope.FinalAnswer
                                          || (c.Message.Scope == RevisionScope.SpecificSubtasks && !c.Message.SubtaskIds.Any(c.Saga.Subtasks.ContainsKey))))
                .RecordAgentActivity(m => (AgentTypes.Manager, InteractionTypes.RevisionPlanning, m.Description, null, m.At))
                .Then(c =>
                {
                    c.Changes().RevisionStatus(c.Saga.RevisionId!, RevisionStatus.InProgress);
                    c.Saga.SynthesisRound++;
                })
                .TransitionTo(Synthesis));

        // Any running state → FAILED (a step gave up) or CANCELLED (the user); a step being retried is announced.
        During([TaskAnalysis, SpecialistSelection, TaskDecomposition, SpecialistExecution, ManagerReview, RevisionRequired,
                Coordination, Synthesis, ManagerFinalReview, RevisionPlanning],
            When(StepFailed)
                .Then(c => c.Saga.Error = $"{c.Message.Step} failed: {c.Message.Reason}")
                .TransitionTo(Failed),
            When(StepRetrying)
                .Then(c => c.Changes().Error(c.Saga, $"{c.Message.Step}: {c.Message.Reason}", "warning", c.Message.RetryInSeconds, c.Message.Step)),
            When(CancelRequested)
                .TransitionTo(Cancelled)
                .Respond(c => CancelledResult(c.Saga)),
            When(RevisionRequested)
                .Respond(c => NotRevisable(c.Saga, c.Message)));

        During(Failed, Cancelled,
            When(CancelRequested)
                .Respond(c => NotCancelled(c.Saga)),
            When(RevisionRequested)
                .Respond(c => NotRevisable(c.Saga, c.Message)));
    }

    private void CorrelateByTask<T>(System.Linq.Expressions.Expression<Func<Event<T>>> selector) where T : class, ITaskMessage =>
        Event(selector, e => e.CorrelateById(m => Ids.ToTaskGuid(m.Message.TaskId)));

    private static TaskWorkflowState NewWorkflow(string taskId, string userId, string priority) => new()
    {
        CorrelationId = Ids.ToTaskGuid(taskId),
        TaskId = taskId,
        UserId = userId,
        Priority = priority,
        CreatedAt = DateTime.UtcNow,
    };

    private static void StartRun(TaskWorkflowState saga, DateTime now, int planRound)
    {
        saga.PlanRound = planRound;
        saga.RunStartedAt = now;
        saga.FinalReviewsThisRun = 0;
        saga.LastFinalReview = null;
        saga.LastFinalReviewApproved = false;
    }

    private static void StartRevision(TaskWorkflowState saga, ReviseTask request, DateTime now)
    {
        StartRun(saga, now, saga.PlanRound);
        saga.RevisionId = request.RevisionId;
        saga.CompletedAt = null;
        if (Priorities.Rank(request.Priority) > Priorities.Rank(saga.Priority)) saga.Priority = request.Priority;
    }

    /// <summary>A full-task revision: a new plan round; the old plan's subtasks stay stored as history.</summary>
    private static void NewPlan(TaskWorkflowState saga, TaskChanges changes)
    {
        saga.PlanRound++;
        saga.Phases = [];
        saga.Subtasks = [];
        saga.CurrentPhase = 0;
        saga.SelectedSpecialists = [];
        changes.TaskChanged();
        changes.RevisionStatus(saga.RevisionId!, RevisionStatus.InProgress);
    }

    private static bool IsAwaited(TaskWorkflowState saga, string subtaskId, int version, SubtaskState expected) =>
        saga.Subtasks.TryGetValue(subtaskId, out var subtask) && subtask.State == expected && subtask.Version == version;

    private static void StartPhase(TaskWorkflowState saga, TaskChanges changes)
    {
        foreach (var (id, subtask) in saga.InCurrentPhase().Where(s => s.Value.State == SubtaskState.Pending).ToList())
        {
            subtask.State = SubtaskState.Executing;
            subtask.StartedAt ??= changes.Now;
            changes.SubtaskChanged(id);
        }
    }

    private static void Solved(TaskWorkflowState saga, SubtaskSolved solved, TaskChanges changes)
    {
        var subtask = saga.Subtasks[solved.SubtaskId];
        subtask.State = SubtaskState.Solved;
        subtask.SolutionId = solved.SolutionId;
        subtask.Versions = Math.Max(subtask.Versions, solved.Version);
        subtask.SpecialistType = solved.SpecialistType;
        subtask.Preview = solved.Preview;
        changes.SubtaskChanged(solved.SubtaskId);
        changes.UpdateProgress(saga);
    }

    private static void SendToReview(TaskWorkflowState saga, TaskChanges changes)
    {
        foreach (var (id, subtask) in saga.InCurrentPhase().Where(s => s.Value.State == SubtaskState.Solved).ToList())
        {
            subtask.State = SubtaskState.Reviewing;
            changes.SubtaskChanged(id);
        }
    }

    private static void Reviewed(TaskWorkflowState saga, SolutionReviewed review, TaskChanges changes)
    {
        WorkflowDecisions.ApplyReview(saga, review);
        var subtask = saga.Subtasks[review.SubtaskId];
        if (subtask.State is SubtaskState.Accepted or SubtaskState.GivenUp) subtask.CompletedAt = changes.Now;
        changes.SubtaskChanged(review.SubtaskId);
        changes.UpdateProgress(saga);
    }

    private static void Revise(TaskWorkflowState saga, TaskChanges changes)
    {
        foreach (var (id, subtask) in saga.InCurrentPhase().Where(s => s.Value.State == SubtaskState.NeedsWork).ToList())
        {
            subtask.State = SubtaskState.Executing;
            changes.SubtaskChanged(id);
        }
    }

    private static TaskCancellationResult CancelledResult(TaskWorkflowState saga) =>
        new(saga.TaskId, true, saga.Status, Offset(saga.CompletedAt), "Task cancelled successfully");

    private static TaskCancellationResult NotCancelled(TaskWorkflowState saga) =>
        new(saga.TaskId, false, saga.Status, Offset(saga.CompletedAt), $"Task is already {saga.Status.Name()} and cannot be cancelled.");

    private static TaskRevisionResult NotRevisable(TaskWorkflowState saga, ReviseTask request) =>
        new(saga.TaskId, request.RevisionId, false, saga.Status, null, $"Only a completed task can be revised; this task is {saga.Status.Name()}.");

    private static DateTimeOffset? Offset(DateTime? value) => value is { } v ? new DateTimeOffset(DateTime.SpecifyKind(v, DateTimeKind.Utc)) : null;
}
