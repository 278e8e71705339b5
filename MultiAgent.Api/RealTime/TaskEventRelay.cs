using MassTransit;
using MultiAgent.Contracts.Events;

namespace MultiAgent.Api.RealTime;

/// <summary>
/// Receives the task events the Orchestrator's workflow publishes and hands them, unchanged, to this instance's
/// <see cref="TaskEventStream"/>. Its queue is temporary and per instance (auto-deleted), so every Api instance receives
/// every event and sends it to the clients connected to it. Events published while no Api runs are not kept: the state is
/// in Postgres, and a client that (re)connects reads it with its sequence first.
/// </summary>
public sealed class TaskEventRelay(TaskEventStream stream) :
    IConsumer<TaskStatusUpdateEvent>,
    IConsumer<AgentActivityEvent>,
    IConsumer<SubtaskUpdateEvent>,
    IConsumer<StageTransitionEvent>,
    IConsumer<TaskCompletedEvent>,
    IConsumer<ErrorOccurredEvent>
{
    /// <summary>The header the workflow puts the task owner's id in (MultiAgent.Orchestrator's TaskChanges.UserIdHeader).</summary>
    public const string UserIdHeader = "MultiAgent-UserId";

    public Task Consume(ConsumeContext<TaskStatusUpdateEvent> context) => Relay(context);
    public Task Consume(ConsumeContext<AgentActivityEvent> context) => Relay(context);
    public Task Consume(ConsumeContext<SubtaskUpdateEvent> context) => Relay(context);
    public Task Consume(ConsumeContext<StageTransitionEvent> context) => Relay(context);
    public Task Consume(ConsumeContext<TaskCompletedEvent> context) => Relay(context);
    public Task Consume(ConsumeContext<ErrorOccurredEvent> context) => Relay(context);

    private Task Relay<T>(ConsumeContext<T> context) where T : class, ITaskEvent
    {
        stream.Publish(context.Message, context.Headers.Get<string>(UserIdHeader));
        return Task.CompletedTask;
    }
}
