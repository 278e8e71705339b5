using MassTransit;
using MultiAgent.Contracts.Messages;

namespace MultiAgent.Api.RealTime;

/// <summary>Relays the Orchestrator's progress messages to the task's real-time subscribers.</summary>
public sealed class TaskProgressRelay(TaskLiveUpdates live) : IConsumer<TaskProgressChanged>
{
    public Task Consume(ConsumeContext<TaskProgressChanged> context) => live.ApplyAsync(context.Message, context.CancellationToken);
}

/// <summary>
/// One durable queue shared by every Api instance: whichever instance takes a message sends it to the hub group, and
/// the Redis backplane delivers it to clients connected to any instance.
/// </summary>
public sealed class TaskProgressRelayDefinition : ConsumerDefinition<TaskProgressRelay>
{
    public const string QueueName = "api-task-progress";

    public TaskProgressRelayDefinition() => EndpointName = QueueName;

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<TaskProgressRelay> consumerConfigurator, IRegistrationContext context)
    {
        endpointConfigurator.UseMessageRetry(retry => retry.Intervals(200, 1_000, 5_000));
        // One task's events are relayed in the order they arrive; different tasks in parallel.
        var partitioner = endpointConfigurator.CreatePartitioner(16);
        consumerConfigurator.Message<TaskProgressChanged>(message => message.UsePartitioner(partitioner, m => m.Message.TaskId));
    }
}
