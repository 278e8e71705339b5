using MassTransit;
using MassTransit.Middleware;
using MassTransit.Saga;
using Microsoft.EntityFrameworkCore;
using MultiAgent.Data;

namespace MultiAgent.Orchestrator.Workflow.Persistence;

/// <summary>
/// Saga repository for <see cref="TaskWorkflowState"/> on EF Core/Npgsql (MassTransit.EntityFrameworkCore is not available to us).
/// MassTransit resolves this per message from the message's DI scope, so each message gets its own DbContext.
/// Concurrency is optimistic: the row's version must still be the one we loaded, or the update throws and the message is retried.
/// One message is one database transaction: the saga's load, the reads its activities make, and its update with the task's rows.
/// </summary>
public sealed class WorkflowSagaRepositoryContextFactory(
    MultiAgentDbContext db,
    ISagaConsumeContextFactory<MultiAgentDbContext, TaskWorkflowState> consumeContextFactory,
    TaskChanges changes) :
    ISagaRepositoryContextFactory<TaskWorkflowState>,
    ILoadSagaRepositoryContextFactory<TaskWorkflowState>,
    IQuerySagaRepositoryContextFactory<TaskWorkflowState>
{
    public async Task Send<T>(ConsumeContext<T> context, IPipe<SagaRepositoryContext<TaskWorkflowState, T>> next) where T : class
    {
        await using var transaction = await db.Database.BeginTransactionAsync(context.CancellationToken).ConfigureAwait(false);
        var repositoryContext = new WorkflowSagaRepositoryContext<T>(db, context, consumeContextFactory, changes);
        await next.Send(repositoryContext).ConfigureAwait(false);
        await transaction.CommitAsync(context.CancellationToken).ConfigureAwait(false);
    }

    public Task SendQuery<T>(ConsumeContext<T> context, ISagaQuery<TaskWorkflowState> query, IPipe<SagaRepositoryQueryContext<TaskWorkflowState, T>> next)
        where T : class =>
        throw new NotSupportedException("Task workflows are correlated by task id only; query correlation is not supported.");

    public async Task<T> Execute<T>(Func<LoadSagaRepositoryContext<TaskWorkflowState>, Task<T>> asyncMethod, CancellationToken cancellationToken = default)
        where T : class =>
        await asyncMethod(new WorkflowSagaLoadContext(db, cancellationToken)).ConfigureAwait(false);

    public Task<T> Execute<T>(Func<QuerySagaRepositoryContext<TaskWorkflowState>, Task<T>> asyncMethod, CancellationToken cancellationToken = default)
        where T : class =>
        throw new NotSupportedException("Task workflows are correlated by task id only; query correlation is not supported.");

    public void Probe(ProbeContext context) => context.Add("persistence", "postgres-efcore");

    private sealed class WorkflowSagaLoadContext(MultiAgentDbContext db, CancellationToken cancellationToken) :
        BasePipeContext(cancellationToken), LoadSagaRepositoryContext<TaskWorkflowState>
    {
        public async Task<TaskWorkflowState> Load(Guid correlationId)
        {
            var row = await db.TaskWorkflows.AsNoTracking().FirstOrDefaultAsync(x => x.CorrelationId == correlationId, CancellationToken);
            return row is null ? null! : WorkflowStateSerializer.ToSaga(row);
        }
    }
}
