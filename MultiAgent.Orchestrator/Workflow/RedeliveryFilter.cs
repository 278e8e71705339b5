using MassTransit;

namespace MultiAgent.Orchestrator.Workflow;

/// <summary>
/// Runs around every message the saga handles. It remembers which message moved the saga into its current state; when that
/// same message arrives again, the Orchestrator stopped after storing the saga but before the message was acknowledged —
/// maybe before the state's commands left (the outbox is in memory). The message is not applied twice: the state's commands
/// are sent again (<see cref="WorkflowCommands"/>; the steps are idempotent) and nothing else happens. Any other repeated
/// message is stale by the state machine's own rules and ignored there.
/// </summary>
public sealed class RedeliveryFilter(ILogger<RedeliveryFilter> logger) : IFilter<SagaConsumeContext<TaskWorkflowState>>
{
    public async Task Send(SagaConsumeContext<TaskWorkflowState> context, IPipe<SagaConsumeContext<TaskWorkflowState>> next)
    {
        var saga = context.Saga;
        if (context.MessageId is { } messageId && messageId == saga.EnteredBy)
        {
            logger.LogWarning("Task {TaskId}: message {MessageId} was delivered again; sending the commands of {State} again",
                saga.TaskId, messageId, saga.CurrentState);
            await WorkflowCommands.SendAsync(context, saga.CurrentState, saga);
            return;
        }

        var before = saga.CurrentState;
        await next.Send(context);
        if (saga.CurrentState != before) saga.EnteredBy = context.MessageId;
    }

    public void Probe(ProbeContext context) => context.CreateFilterScope("task-workflow-redelivery");
}
