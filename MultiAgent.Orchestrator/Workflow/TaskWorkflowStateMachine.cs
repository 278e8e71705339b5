using MassTransit;
using MultiAgent.Contracts;
using MultiAgent.Contracts.Messages;
using MultiAgent.Data;

namespace MultiAgent.Orchestrator.Workflow;

/// <summary>
/// One task's workflow, following the design document's state table:
/// PENDING → TASK_ANALYSIS → SPECIALIST_SELECTION → TASK_DECOMPOSITION → SPECIALIST_EXECUTION → MANAGER_REVIEW
/// ⇄ REVISION_REQUIRED → COORDINATION → SYNTHESIS → MANAGER_FINAL_REVIEW → COMPLETED; any state → FAILED or CANCELLED.
/// The saga only decides; every agent step is a consumer that does the work and answers with an event.
/// </summary>
public class TaskWorkflowStateMachine : MassTransitStateMachine<TaskWorkflowState>
{
    public const int MaxRevisionCycles = 2;
    public const int MaxFinalReviewRounds = 2;

    public State TaskAnalysis { get; private set; } = null!;
    public State SpecialistSelection { get; private set; } = null!;
    public State TaskDecomposition { get; private set; } = null!;
    public State SpecialistExecution { get; private set; } = null!;
    public State ManagerReview { get; private set; } = null!;
    public State RevisionRequired { get; private set; } = null!;
    public State RevisionPlanning { get; private set; } = null!;
    public State Coordination { get; private set; } = null!;
    public State Synthesis { get; private set; } = null!;
    public State ManagerFinalReview { get; private set; } = null!;
    public State Completed { get; private set; } = null!;
    public State Failed { get; private set; } = null!;
    public State Cancelled { get; private set; } = null!;

    public Event<TaskSubmitted> Submitted { get; private set; } = null!;
    public Event<TaskCancellationRequested> CancellationRequested { get; private set; } = null!;
    public Event<TaskAnalyzed> Analyzed { get; private set; } = null!;
    public Event<SpecialistsSelected> SpecialistsChosen { get; private set; } = null!;
    public Event<TaskDecomposed> Decomposed { get; private set; } = null!;
    public Event<SubtaskSolved> SubtaskSolved { get; private set; } = null!;
    public Event<SolutionReviewed> SolutionReviewed { get; private set; } = null!;
    public Event<SolutionsCoordinated> Coordinated { get; private set; } = null!;
    public Event<AnswerSynthesized> Synthesized { get; private set; } = null!;
    public Event<FinalAnswerReviewed> FinalReviewed { get; private set; } = null!;
    public Event<TaskCompleted> TaskFinished { get; private set; } = null!;
    public Event<AgentStepFailed> StepFailed { get; private set; } = null!;
    public Event<TaskRevisionRequested> RevisionRequested { get; private set; } = null!;
    public Event<RevisionPlanned> RevisionScoped { get; private set; } = null!;

    public TaskWorkflowStateMachine()
    {
        InstanceState(x => x.CurrentState);

        Event(() => Submitted, e =>
        {
            e.CorrelateById(m => Ids.ToTaskGuid(m.Message.TaskId));
            e.SetSagaFactory(m => new TaskWorkflowState
            {
                CorrelationId = Ids.ToTaskGuid(m.Message.TaskId),
                TaskId = m.Message.TaskId,
                CreatedAt = DateTime.UtcNow,
            });
        });
        CorrelateByTask(() => CancellationRequested);
        CorrelateByTask(() => Analyzed);
        CorrelateByTask(() => SpecialistsChosen);
        CorrelateByTask(() => Decomposed);
        CorrelateByTask(() => SubtaskSolved);
        CorrelateByTask(() => SolutionReviewed);
        CorrelateByTask(() => Coordinated);
        CorrelateByTask(() => Synthesized);
        CorrelateByTask(() => FinalReviewed);
        CorrelateByTask(() => TaskFinished);
        CorrelateByTask(() => StepFailed);
        CorrelateByTask(() => RevisionRequested);
        CorrelateByTask(() => RevisionScoped);

        // Late messages (a result after cancellation or failure) change nothing. A message that triggered the current
        // state arriving again means the Orchestrator stopped after storing the saga but before its commands went out
        // (the outbox is in memory): those are the "Recover" clauses below, which send the current state's commands again.
        // Steps are idempotent, so a command sent twice repeats no work.
        OnUnhandledEvent(x => x.Ignore());

        // PENDING → TASK_ANALYSIS
        Initially(
            When(Submitted)
                .Then(c =>
                {
                    c.Saga.PlanRound = 1;
                    c.Saga.RunStartedAt = DateTime.UtcNow;
                })
                .ThenAsync(c => Stage(c, Stages.TaskAnalysis))
                .Publish(c => new AnalyzeTask(c.Saga.TaskId, c.Saga.PlanRound, null))
                .TransitionTo(TaskAnalysis));

        // TASK_ANALYSIS → SPECIALIST_SELECTION
        During(TaskAnalysis,
            When(Submitted).ThenAsync(Recover),
            When(Analyzed)
                .ThenAsync(c => Stage(c, Stages.SpecialistSelection))
                .Publish(c => new SelectSpecialists(c.Saga.TaskId, c.Saga.PlanRound))
                .TransitionTo(SpecialistSelection));

        // SPECIALIST_SELECTION → TASK_DECOMPOSITION
        During(SpecialistSelection,
            When(Analyzed).ThenAsync(Recover),
            When(SpecialistsChosen)
                .Then(c => c.Saga.SelectedSpecialists = [.. c.Message.SpecialistTypes])
                .ThenAsync(c => Stage(c, Stages.TaskDecomposition))
                .Publish(c => new DecomposeTask(c.Saga.TaskId, c.Saga.PlanRound))
                .TransitionTo(TaskDecomposition));

        // TASK_DECOMPOSITION → SPECIALIST_EXECUTION
        During(TaskDecomposition,
            When(SpecialistsChosen).ThenAsync(Recover),
            When(Decomposed)
                .Then(c => PlanExecution(c.Saga, c.Message))
                .ThenAsync(c => Stage(c, Stages.SpecialistExecution))
                .ThenAsync(StartCurrentPhase)
                .TransitionTo(SpecialistExecution));

        // SPECIALIST_EXECUTION → MANAGER_REVIEW once every subtask of the phase has an answer
        During(SpecialistExecution,
            When(Decomposed).ThenAsync(Recover),
            When(SubtaskSolved, c => !IsAwaited(c.Saga, c.Message.SubtaskId, c.Message.Version, SubtaskState.Executing)).ThenAsync(Recover),
            When(SolutionReviewed).ThenAsync(Recover),
            When(SubtaskSolved, c => IsAwaited(c.Saga, c.Message.SubtaskId, c.Message.Version, SubtaskState.Executing))
                .Then(c =>
                {
                    var subtask = c.Saga.Subtasks[c.Message.SubtaskId];
                    subtask.Status = SubtaskState.Solved;
                    subtask.SolutionId = c.Message.SolutionId;
                })
                .ThenAsync(Progress)
                .If(c => c.Saga.InCurrentPhase().All(s => s.Value.Status != SubtaskState.Executing),
                    then => then
                        .ThenAsync(c => Stage(c, Stages.ManagerReview))
                        .ThenAsync(ReviewSolvedSubtasks)
                        .TransitionTo(ManagerReview)));

        // MANAGER_REVIEW → REVISION_REQUIRED → SPECIALIST_EXECUTION, next phase, or COORDINATION
        During(ManagerReview,
            When(SubtaskSolved).ThenAsync(Recover),
            When(SolutionReviewed, c => !IsAwaited(c.Saga, c.Message.SubtaskId, c.Message.Version, SubtaskState.Reviewing)).ThenAsync(Recover),
            When(SolutionReviewed, c => IsAwaited(c.Saga, c.Message.SubtaskId, c.Message.Version, SubtaskState.Reviewing))
                .Then(c => ApplyReview(c.Saga, c.Message))
                .ThenAsync(Progress)
                .If(c => c.Saga.InCurrentPhase().All(s => s.Value.Status != SubtaskState.Reviewing),
                    reviewed => reviewed.IfElse(c => c.Saga.InCurrentPhase().Any(s => s.Value.Status == SubtaskState.NeedsWork),
                        revise => revise
                            .TransitionTo(RevisionRequired)
                            .ThenAsync(c => Stage(c, Stages.RevisionRequired))
                            .ThenAsync(ExecuteRevisions)
                            .TransitionTo(SpecialistExecution),
                        done => done.IfElse(c => NextRunnablePhase(c.Saga) >= 0,
                            nextPhase => nextPhase
                                .Then(c => c.Saga.CurrentPhase = NextRunnablePhase(c.Saga))
                                .ThenAsync(c => Stage(c, Stages.SpecialistExecution))
                                .ThenAsync(StartCurrentPhase)
                                .TransitionTo(SpecialistExecution),
                            lastPhase => lastPhase.IfElse(c => c.Saga.Subtasks.Values.Any(s => s.Status == SubtaskState.Accepted),
                                coordinate => coordinate
                                    .ThenAsync(c => Stage(c, Stages.Coordination))
                                    .Publish(c => new CoordinateSolutions(c.Saga.TaskId, ++c.Saga.CoordinationRound))
                                    .TransitionTo(Coordination),
                                nothingUsable => nothingUsable
                                    .Then(c => c.Saga.FailureReason =
                                        $"No subtask produced an acceptable solution after {MaxRevisionCycles} revision cycles.")
                                    .Publish(c => new FailTask(c.Saga.TaskId, c.Saga.FailureReason!))
                                    .TransitionTo(Failed))))));

        // COORDINATION → SYNTHESIS
        During(Coordination,
            When(SolutionReviewed).ThenAsync(Recover),
            When(Coordinated)
                .ThenAsync(c => Stage(c, Stages.Synthesis))
                .Publish(c => new SynthesizeAnswer(c.Saga.TaskId, ++c.Saga.SynthesisRound))
                .TransitionTo(Synthesis));

        // SYNTHESIS → MANAGER_FINAL_REVIEW
        During(Synthesis,
            When(Coordinated).ThenAsync(Recover),
            When(FinalReviewed).ThenAsync(Recover),
            When(Synthesized, c => c.Message.Round == c.Saga.SynthesisRound)
                .Then(c => c.Saga.LatestSynthesisId = c.Message.SolutionId)
                .ThenAsync(c => Stage(c, Stages.ManagerFinalReview))
                .Publish(c => new ReviewFinalAnswer(c.Saga.TaskId, c.Message.SolutionId, c.Message.Round))
                .TransitionTo(ManagerFinalReview));

        // MANAGER_FINAL_REVIEW → COMPLETED, or back to SYNTHESIS (bounded)
        During(ManagerFinalReview,
            When(Synthesized).ThenAsync(Recover),
            When(FinalReviewed, c => c.Message.Round == c.Saga.SynthesisRound)
                .IfElse(c => c.Message.Approved || c.Saga.SynthesisRound >= MaxFinalReviewRounds,
                    approve => approve
                        .Publish(c => new CompleteTask(c.Saga.TaskId, c.Message.SolutionId, c.Saga.HasPartialResults)),
                    resynthesize => resynthesize
                        .ThenAsync(c => Stage(c, Stages.Synthesis))
                        .Publish(c => new SynthesizeAnswer(c.Saga.TaskId, ++c.Saga.SynthesisRound))
                        .TransitionTo(Synthesis)),
            // The user may ask for a revision the moment the task reads completed, before the saga has heard of it.
            When(RevisionRequested)
                .Then(c => c.Saga.PendingRevisionId = c.Message.RevisionId),
            When(TaskFinished, c => c.Saga.PendingRevisionId is null)
                .Then(c => c.Saga.RevisionId = null)
                .TransitionTo(Completed),
            When(TaskFinished, c => c.Saga.PendingRevisionId is not null)
                .Then(c =>
                {
                    c.Saga.RevisionId = c.Saga.PendingRevisionId;
                    c.Saga.PendingRevisionId = null;
                    c.Saga.RunStartedAt = DateTime.UtcNow;
                })
                .ThenAsync(c => Stage(c, Stages.RevisionPlanning))
                .Publish(c => new PlanRevision(c.Saga.TaskId, c.Saga.RevisionId!, c.Saga.Subtasks.Keys.ToList()))
                .TransitionTo(RevisionPlanning));

        // COMPLETED → revision: the manager decides how far back the user's request reaches, then the normal flow follows.
        During(Completed,
            When(RevisionRequested)
                .Then(c =>
                {
                    c.Saga.RevisionId = c.Message.RevisionId;
                    c.Saga.RunStartedAt = DateTime.UtcNow;
                })
                .ThenAsync(c => Stage(c, Stages.RevisionPlanning))
                .Publish(c => new PlanRevision(c.Saga.TaskId, c.Message.RevisionId, c.Saga.Subtasks.Keys.ToList()))
                .TransitionTo(RevisionPlanning));

        During(RevisionPlanning,
            When(RevisionRequested).ThenAsync(Recover),
            When(RevisionScoped, c => c.Message.RevisionId == c.Saga.RevisionId && c.Message.Scope == RevisionScope.FullTask)
                .Then(c =>
                {
                    c.Saga.PlanRound++;
                    c.Saga.Phases = [];
                    c.Saga.Subtasks = [];
                    c.Saga.CurrentPhase = 0;
                })
                .ThenAsync(c => Stage(c, Stages.TaskAnalysis))
                .Publish(c => new AnalyzeTask(c.Saga.TaskId, c.Saga.PlanRound, c.Saga.RevisionId))
                .TransitionTo(TaskAnalysis),
            When(RevisionScoped, c => c.Message.RevisionId == c.Saga.RevisionId && c.Message.Scope == RevisionScope.SpecificSubtasks
                                      && c.Message.SubtaskIds.Any(c.Saga.Subtasks.ContainsKey))
                .Then(c => ReopenSubtasks(c.Saga, c.Message.SubtaskIds))
                .ThenAsync(c => Stage(c, Stages.SpecialistExecution))
                .ThenAsync(StartCurrentPhase)
                .TransitionTo(SpecialistExecution),
            When(RevisionScoped, c => c.Message.RevisionId == c.Saga.RevisionId
                                      && (c.Message.Scope == RevisionScope.FinalAnswer
                                          || (c.Message.Scope == RevisionScope.SpecificSubtasks && !c.Message.SubtaskIds.Any(c.Saga.Subtasks.ContainsKey))))
                .ThenAsync(c => Stage(c, Stages.Synthesis))
                .Publish(c => new SynthesizeAnswer(c.Saga.TaskId, ++c.Saga.SynthesisRound))
                .TransitionTo(Synthesis));

        // Any state → FAILED
        During(new[] { TaskAnalysis, SpecialistSelection, TaskDecomposition, SpecialistExecution, ManagerReview, RevisionRequired,
                Coordination, Synthesis, ManagerFinalReview, RevisionPlanning },
            When(StepFailed)
                .Then(c => c.Saga.FailureReason = $"{c.Message.Step} failed: {c.Message.Reason}")
                .Publish(c => new FailTask(c.Saga.TaskId, c.Saga.FailureReason!))
                .TransitionTo(Failed),
            // Any state except COMPLETED and FAILED → CANCELLED. The Api has already marked the task cancelled.
            When(CancellationRequested)
                .TransitionTo(Cancelled));

        // A failure recorded by the saga but not yet by the task (crash in between) is recorded again.
        During(Failed,
            When(StepFailed).Publish(c => new FailTask(c.Saga.TaskId, c.Saga.FailureReason ?? c.Message.Reason)));
    }

    private void CorrelateByTask<T>(System.Linq.Expressions.Expression<Func<Event<T>>> selector) where T : class, ITaskMessage =>
        Event(selector, e => e.CorrelateById(m => Ids.ToTaskGuid(m.Message.TaskId)));

    private static bool IsAwaited(TaskWorkflowState saga, string subtaskId, int version, SubtaskState expected) =>
        saga.Subtasks.TryGetValue(subtaskId, out var subtask) && subtask.Status == expected && subtask.Version == version;

    private static void PlanExecution(TaskWorkflowState saga, TaskDecomposed message)
    {
        saga.Phases = [.. message.Phases.Select(p => p.ToList())];
        saga.CurrentPhase = 0;
        saga.Subtasks = message.Phases.SelectMany(p => p).ToDictionary(
            id => id,
            id => new SubtaskProgress { SpecialistType = message.Specialists.GetValueOrDefault(id, AgentRegistry.GeneralistType) });
    }

    /// <summary>Sends again the commands the current state is waiting on.</summary>
    private async Task Recover(BehaviorContext<TaskWorkflowState> context)
    {
        var saga = context.Saga;
        var state = saga.CurrentState;
        if (state == TaskAnalysis.Name) await context.Publish(new AnalyzeTask(saga.TaskId, saga.PlanRound, saga.RevisionId));
        else if (state == SpecialistSelection.Name) await context.Publish(new SelectSpecialists(saga.TaskId, saga.PlanRound));
        else if (state == TaskDecomposition.Name) await context.Publish(new DecomposeTask(saga.TaskId, saga.PlanRound));
        else if (state == RevisionPlanning.Name && saga.RevisionId is { } revisionId)
            await context.Publish(new PlanRevision(saga.TaskId, revisionId, saga.Subtasks.Keys.ToList()));
        else if (state == SpecialistExecution.Name) await PublishForSubtasks(context, SubtaskState.Executing);
        else if (state == ManagerReview.Name) await PublishForSubtasks(context, SubtaskState.Reviewing);
        else if (state == Coordination.Name) await context.Publish(new CoordinateSolutions(saga.TaskId, saga.CoordinationRound));
        else if (state == Synthesis.Name) await context.Publish(new SynthesizeAnswer(saga.TaskId, saga.SynthesisRound));
        else if (state == ManagerFinalReview.Name && saga.LatestSynthesisId is { } synthesisId)
            await context.Publish(new ReviewFinalAnswer(saga.TaskId, synthesisId, saga.SynthesisRound));
    }

    private static async Task PublishForSubtasks(BehaviorContext<TaskWorkflowState> context, SubtaskState state)
    {
        foreach (var (subtaskId, subtask) in context.Saga.InCurrentPhase().Where(s => s.Value.Status == state))
        {
            if (state == SubtaskState.Executing)
                await context.Publish(new ExecuteSubtask(context.Saga.TaskId, subtaskId, subtask.Version, subtask.SpecialistType));
            else
                await context.Publish(new ReviewSolution(context.Saga.TaskId, subtaskId, subtask.SolutionId!, subtask.Version));
        }
    }

    /// <summary>The first phase after the current one with a subtask still to run; -1 when there is none.</summary>
    internal static int NextRunnablePhase(TaskWorkflowState saga)
    {
        for (var phase = saga.CurrentPhase + 1; phase < saga.Phases.Count; phase++)
        {
            if (saga.Phases[phase].Any(id => saga.Subtasks.TryGetValue(id, out var s) && s.Status == SubtaskState.Pending)) return phase;
        }
        return -1;
    }

    /// <summary>A user revision of specific subtasks: each gets a new version and fresh revision cycles; execution restarts at the earliest phase.</summary>
    internal static void ReopenSubtasks(TaskWorkflowState saga, IReadOnlyList<string> subtaskIds)
    {
        foreach (var id in subtaskIds.Where(saga.Subtasks.ContainsKey))
        {
            var subtask = saga.Subtasks[id];
            subtask.Version++;
            subtask.RevisionCycles = 0;
            subtask.Status = SubtaskState.Pending;
        }
        saga.CurrentPhase = saga.Phases.FindIndex(p => p.Any(id => saga.Subtasks.TryGetValue(id, out var s) && s.Status == SubtaskState.Pending));
    }

    private static async Task StartCurrentPhase(BehaviorContext<TaskWorkflowState> context)
    {
        foreach (var (subtaskId, subtask) in context.Saga.InCurrentPhase().Where(s => s.Value.Status == SubtaskState.Pending))
        {
            subtask.Status = SubtaskState.Executing;
            await context.Publish(new ExecuteSubtask(context.Saga.TaskId, subtaskId, subtask.Version, subtask.SpecialistType));
        }
    }

    private static async Task ReviewSolvedSubtasks(BehaviorContext<TaskWorkflowState> context)
    {
        foreach (var (subtaskId, subtask) in context.Saga.InCurrentPhase().Where(s => s.Value.Status == SubtaskState.Solved))
        {
            subtask.Status = SubtaskState.Reviewing;
            await context.Publish(new ReviewSolution(context.Saga.TaskId, subtaskId, subtask.SolutionId!, subtask.Version));
        }
    }

    private static async Task ExecuteRevisions(BehaviorContext<TaskWorkflowState> context)
    {
        foreach (var (subtaskId, subtask) in context.Saga.InCurrentPhase().Where(s => s.Value.Status == SubtaskState.NeedsWork))
        {
            subtask.Status = SubtaskState.Executing;
            await context.Publish(new ExecuteSubtask(context.Saga.TaskId, subtaskId, subtask.Version, subtask.SpecialistType));
        }
    }

    /// <summary>
    /// Accepted stays accepted; needs-revision goes back to the same specialist with the reviewer's requests;
    /// rejected is reassigned to a different specialist type. After <see cref="MaxRevisionCycles"/> the subtask fails
    /// and the task continues with what was accepted (partial completion).
    /// </summary>
    internal static void ApplyReview(TaskWorkflowState saga, SolutionReviewed review)
    {
        var subtask = saga.Subtasks[review.SubtaskId];
        if (review.Decision == ReviewDecision.Accepted)
        {
            subtask.Status = SubtaskState.Accepted;
            return;
        }

        if (subtask.RevisionCycles >= MaxRevisionCycles)
        {
            subtask.Status = SubtaskState.Failed;
            return;
        }

        subtask.RevisionCycles++;
        subtask.Version++;
        subtask.Status = SubtaskState.NeedsWork;
        if (review.Decision == ReviewDecision.Rejected)
        {
            subtask.SpecialistType = ReassignTo(saga.SelectedSpecialists, subtask.SpecialistType);
        }
    }

    internal static string ReassignTo(IReadOnlyList<string> selected, string current)
    {
        var others = selected.Where(s => s != current).ToList();
        if (others.Count > 0)
        {
            // Rotate through the other selected specialists so repeated rejections try different perspectives.
            var index = selected.ToList().IndexOf(current);
            return others[(Math.Max(index, 0)) % others.Count];
        }
        return current == AgentRegistry.GeneralistType ? current : AgentRegistry.GeneralistType;
    }

    private static async Task Progress(BehaviorContext<TaskWorkflowState> context)
    {
        var writer = context.GetServiceOrCreateInstance<TaskProgressWriter>();
        await writer.RecordGivenUpSubtasksAsync(context, context.Saga);
        await writer.UpdateProgressAsync(context, context.Saga);
    }

    private static Task Stage(BehaviorContext<TaskWorkflowState> context, string stage)
    {
        context.Saga.UpdatedAt = DateTime.UtcNow;
        var writer = context.GetServiceOrCreateInstance<TaskProgressWriter>();
        return writer.EnterStageAsync(context, context.Saga, stage);
    }
}
