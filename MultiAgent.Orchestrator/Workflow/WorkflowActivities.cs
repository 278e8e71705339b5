using MassTransit;
using MultiAgent.Contracts;

namespace MultiAgent.Orchestrator.Workflow;

/// <summary>
/// A state machine activity that writes through <see cref="TaskChanges"/>: the saga decides, these activities record.
/// What they stage is stored with the saga in one transaction and announced after it.
/// </summary>
public abstract class WorkflowActivity : IStateMachineActivity<TaskWorkflowState>
{
    protected abstract string Name { get; }

    protected abstract Task ApplyAsync(BehaviorContext<TaskWorkflowState> context, TaskChanges changes);

    public async Task Execute(BehaviorContext<TaskWorkflowState> context, IBehavior<TaskWorkflowState> next)
    {
        await ApplyAsync(context, context.Changes());
        await next.Execute(context);
    }

    public async Task Execute<T>(BehaviorContext<TaskWorkflowState, T> context, IBehavior<TaskWorkflowState, T> next) where T : class
    {
        await ApplyAsync(context, context.Changes());
        await next.Execute(context);
    }

    public Task Faulted<TException>(BehaviorExceptionContext<TaskWorkflowState, TException> context, IBehavior<TaskWorkflowState> next)
        where TException : Exception => next.Faulted(context);

    public Task Faulted<T, TException>(BehaviorExceptionContext<TaskWorkflowState, T, TException> context, IBehavior<TaskWorkflowState, T> next)
        where T : class where TException : Exception => next.Faulted(context);

    public void Probe(ProbeContext context) => context.CreateScope(Name);

    public void Accept(StateMachineVisitor visitor) => visitor.Visit(this);
}

/// <summary>Entering a state moves the task to its stage (status, progress and estimate follow).</summary>
public sealed class EnterStageActivity(TaskStage stage) : WorkflowActivity
{
    protected override string Name => $"enter-stage-{stage}";

    protected override Task ApplyAsync(BehaviorContext<TaskWorkflowState> context, TaskChanges changes)
    {
        changes.EnterStage(context.Saga, stage);
        return Task.CompletedTask;
    }
}

/// <summary>Entering a state sends the commands it waits on (<see cref="WorkflowCommands"/>).</summary>
public sealed class SendAwaitedCommandsActivity : WorkflowActivity
{
    protected override string Name => "send-awaited-commands";

    protected override Task ApplyAsync(BehaviorContext<TaskWorkflowState> context, TaskChanges changes) =>
        WorkflowCommands.SendAsync(context, context.Saga.CurrentState, context.Saga);
}

public static class WorkflowActivityExtensions
{
    public static TaskChanges Changes(this BehaviorContext<TaskWorkflowState> context) => context.GetServiceOrCreateInstance<TaskChanges>();

    public static EventActivityBinder<TaskWorkflowState> EnterStage(this EventActivityBinder<TaskWorkflowState> binder, TaskStage stage) =>
        binder.Add(new EnterStageActivity(stage));

    public static EventActivityBinder<TaskWorkflowState> SendAwaitedCommands(this EventActivityBinder<TaskWorkflowState> binder) =>
        binder.Add(new SendAwaitedCommandsActivity());

    /// <summary>Records what an agent did (an agent_activity event) from the step's result.</summary>
    public static EventActivityBinder<TaskWorkflowState, T> RecordAgentActivity<T>(this EventActivityBinder<TaskWorkflowState, T> binder,
        Func<T, (string AgentType, string Action, string Description, string? SubtaskId, DateTimeOffset At)> activity) where T : class =>
        binder.Then(context =>
        {
            var (agentType, action, description, subtaskId, at) = activity(context.Message);
            context.Changes().AgentActivity(context.Saga, agentType, action, description, subtaskId, at);
        });
}
