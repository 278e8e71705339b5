using MassTransit;
using MultiAgent.Contracts;
using MultiAgent.Contracts.Messages;

namespace MultiAgent.Orchestrator.Workflow;

/// <summary>
/// The commands each state waits on, in one table. The saga sends them when it enters the state; if the message that
/// brought it there is delivered again (the Orchestrator stopped after storing the saga but before its commands left: the
/// outbox is in memory), the same table says what to send again. Steps are idempotent, so a command sent twice repeats no
/// finished work.
/// </summary>
public static class WorkflowCommands
{
    public static IReadOnlyList<ITaskMessage> For(string state, TaskWorkflowState saga) => state switch
    {
        nameof(TaskWorkflowStateMachine.TaskAnalysis) => [new AnalyzeTask(saga.TaskId, saga.PlanRound, saga.RevisionId)],
        nameof(TaskWorkflowStateMachine.SpecialistSelection) => [new SelectSpecialists(saga.TaskId, saga.PlanRound)],
        nameof(TaskWorkflowStateMachine.TaskDecomposition) => [new DecomposeTask(saga.TaskId, saga.PlanRound)],
        nameof(TaskWorkflowStateMachine.SpecialistExecution) =>
            [.. saga.InCurrentPhase().Where(s => s.Value.State == SubtaskState.Executing)
                .Select(s => new ExecuteSubtask(saga.TaskId, s.Key, s.Value.Version, s.Value.SpecialistType))],
        nameof(TaskWorkflowStateMachine.ManagerReview) =>
            [.. saga.InCurrentPhase().Where(s => s.Value.State == SubtaskState.Reviewing)
                .Select(s => new ReviewSolution(saga.TaskId, s.Key, s.Value.SolutionId!, s.Value.Version))],
        nameof(TaskWorkflowStateMachine.Coordination) =>
            [new CoordinateSolutions(saga.TaskId, saga.CoordinationRound, WorkflowDecisions.AcceptedSolutions(saga))],
        nameof(TaskWorkflowStateMachine.Synthesis) when saga.CoordinationSolutionId is { } coordination =>
            [new SynthesizeAnswer(saga.TaskId, saga.SynthesisRound, coordination, saga.LastFinalReview, saga.IsRevisionRun)],
        nameof(TaskWorkflowStateMachine.ManagerFinalReview) when saga.LatestSynthesisId is { } synthesis =>
            [new ReviewFinalAnswer(saga.TaskId, synthesis, saga.SynthesisRound)],
        nameof(TaskWorkflowStateMachine.RevisionPlanning) when saga.RevisionId is { } revision =>
            [new PlanRevision(saga.TaskId, revision, [.. saga.Subtasks.Keys])],
        _ => [],
    };

    /// <summary>Sends the state's commands, with the RabbitMQ priority of the task (urgent work first when steps queue up).</summary>
    public static Task SendAsync(ConsumeContext context, string state, TaskWorkflowState saga) =>
        PublishAsync(context, For(state, saga), saga.Priority, CancellationToken.None);

    public static async Task PublishAsync(IPublishEndpoint publish, IEnumerable<ITaskMessage> commands, string taskPriority,
        CancellationToken cancellationToken)
    {
        var priority = MessagePriority.Of(taskPriority);
        foreach (var command in commands)
        {
            await publish.Publish(command, command.GetType(), Pipe.Execute<PublishContext>(p => p.TrySetPriority(priority)), cancellationToken);
        }
    }
}

/// <summary>Task priority as a RabbitMQ message priority (queues declare <see cref="Max"/> levels).</summary>
public static class MessagePriority
{
    public const byte Max = 4;

    public static byte Of(string priority) => (byte)(Priorities.Rank(priority) + 1);
}
