using MassTransit;
using MultiAgent.Contracts;
using MultiAgent.Contracts.Messages;

namespace MultiAgent.Orchestrator.Workflow;

/// <summary>
/// The saga endpoint. Parallel specialists answer at the same moment; messages for one task are processed one at a time
/// (partitioned by task id) instead of racing on the saga row. Across replicas, optimistic concurrency plus retry settles it.
/// Outgoing commands, responses and task events are held until the saga's new state is stored (in-memory outbox).
/// </summary>
public sealed class TaskWorkflowSagaDefinition : SagaDefinition<TaskWorkflowState>
{
    public TaskWorkflowSagaDefinition() => ConcurrentMessageLimit = 32;

    protected override void ConfigureSaga(IReceiveEndpointConfigurator endpointConfigurator, ISagaConfigurator<TaskWorkflowState> sagaConfigurator,
        IRegistrationContext context)
    {
        endpointConfigurator.UseMessageRetry(r => r.Intervals(100, 250, 500, 1000, 2000, 4000, 8000));
        endpointConfigurator.UseInMemoryOutbox(context);
        sagaConfigurator.UseFilter(new RedeliveryFilter(context.GetRequiredService<ILogger<RedeliveryFilter>>()));

        var partition = endpointConfigurator.CreatePartitioner(16);
        void ByTask<T>() where T : class, ITaskMessage =>
            sagaConfigurator.Message<T>(m => m.UsePartitioner(partition, c => Ids.ToTaskGuid(c.Message.TaskId)));

        ByTask<TaskSubmitted>();
        ByTask<CancelTask>();
        ByTask<ReviseTask>();
        ByTask<TaskAnalyzed>();
        ByTask<SpecialistsSelected>();
        ByTask<TaskDecomposed>();
        ByTask<SubtaskSolved>();
        ByTask<SolutionReviewed>();
        ByTask<SolutionsCoordinated>();
        ByTask<AnswerSynthesized>();
        ByTask<FinalAnswerReviewed>();
        ByTask<RevisionPlanned>();
        ByTask<AgentStepFailed>();
        ByTask<AgentStepRetrying>();
    }
}
