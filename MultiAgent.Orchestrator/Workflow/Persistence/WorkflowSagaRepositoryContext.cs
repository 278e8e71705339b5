using MassTransit;
using MassTransit.Context;
using MassTransit.Saga;
using Microsoft.EntityFrameworkCore;
using MultiAgent.Data;
using MultiAgent.Data.Entities;
using Npgsql;

namespace MultiAgent.Orchestrator.Workflow.Persistence;

/// <summary>
/// Loads, adds, updates and deletes one saga instance within the handling of one message. Saving the saga also saves what the
/// message changed in the task (<see cref="TaskChanges"/>) in the same transaction, then hands the task events to the outbox.
/// </summary>
public sealed class WorkflowSagaRepositoryContext<TMessage> :
    ConsumeContextScope<TMessage>,
    SagaRepositoryContext<TaskWorkflowState, TMessage>
    where TMessage : class
{
    private readonly MultiAgentDbContext db;
    private readonly ConsumeContext<TMessage> context;
    private readonly ISagaConsumeContextFactory<MultiAgentDbContext, TaskWorkflowState> factory;
    private readonly TaskChanges changes;
    private TaskWorkflowStateEntity? _row;

    public WorkflowSagaRepositoryContext(MultiAgentDbContext db, ConsumeContext<TMessage> context,
        ISagaConsumeContextFactory<MultiAgentDbContext, TaskWorkflowState> factory, TaskChanges changes) : base(context)
    {
        this.db = db;
        this.context = context;
        this.factory = factory;
        this.changes = changes;
    }

    public Task<SagaConsumeContext<TaskWorkflowState, TMessage>> Add(TaskWorkflowState instance) =>
        factory.CreateSagaConsumeContext(db, context, instance, SagaConsumeContextMode.Add);

    public async Task<SagaConsumeContext<TaskWorkflowState, TMessage>> Insert(TaskWorkflowState instance)
    {
        try
        {
            await InsertRow(instance);
            return await factory.CreateSagaConsumeContext(db, context, instance, SagaConsumeContextMode.Insert);
        }
        catch (DbUpdateException ex) when (ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            // Another message created it first; MassTransit falls back to loading it.
            db.ChangeTracker.Clear();
            return default!;
        }
    }

    public async Task<SagaConsumeContext<TaskWorkflowState, TMessage>> Load(Guid correlationId)
    {
        _row = await db.TaskWorkflows.FirstOrDefaultAsync(x => x.CorrelationId == correlationId, CancellationToken);
        if (_row is null) return default!;

        return await factory.CreateSagaConsumeContext(db, context, WorkflowStateSerializer.ToSaga(_row), SagaConsumeContextMode.Load);
    }

    public async Task Save(SagaConsumeContext<TaskWorkflowState> sagaContext)
    {
        changes.Stage(sagaContext.Saga);
        await InsertRow(sagaContext.Saga);
        await changes.PublishAsync(sagaContext.Saga, sagaContext);
    }

    public async Task Update(SagaConsumeContext<TaskWorkflowState> sagaContext)
    {
        var instance = sagaContext.Saga;
        var row = _row ?? throw new SagaException("The saga was not loaded before it was updated.", typeof(TaskWorkflowState), instance.CorrelationId);

        instance.Version++;
        changes.Stage(instance);
        WorkflowStateSerializer.CopyTo(instance, row);
        try
        {
            // The version column is the concurrency token: EF adds "AND version = <loaded version>" to the UPDATE. The task's
            // rows changed by this message are in the same SaveChanges, so the same transaction.
            await db.SaveChangesAsync(CancellationToken);
        }
        catch (DbUpdateConcurrencyException ex)
        {
            instance.Version--;
            throw new SagaException("The task workflow was changed by another message; the message will be retried.",
                typeof(TaskWorkflowState), instance.CorrelationId, ex);
        }
        await changes.PublishAsync(instance, sagaContext);
    }

    public async Task Delete(SagaConsumeContext<TaskWorkflowState> sagaContext)
    {
        if (_row is null) return;
        db.TaskWorkflows.Remove(_row);
        await db.SaveChangesAsync(CancellationToken);
    }

    public Task Discard(SagaConsumeContext<TaskWorkflowState> sagaContext) => Task.CompletedTask;

    public Task Undo(SagaConsumeContext<TaskWorkflowState> sagaContext)
    {
        db.ChangeTracker.Clear();
        return Task.CompletedTask;
    }

    public Task<SagaConsumeContext<TaskWorkflowState, T>> CreateSagaConsumeContext<T>(ConsumeContext<T> consumeContext, TaskWorkflowState instance,
        SagaConsumeContextMode mode) where T : class =>
        factory.CreateSagaConsumeContext(db, consumeContext, instance, mode);

    private async Task InsertRow(TaskWorkflowState instance)
    {
        instance.Version = 1;
        var now = DateTime.UtcNow;
        _row = new TaskWorkflowStateEntity { CurrentState = "", TaskId = instance.TaskId, Data = "{}", CreatedAt = now };
        WorkflowStateSerializer.CopyTo(instance, _row);
        db.TaskWorkflows.Add(_row);
        await db.SaveChangesAsync(CancellationToken);
    }
}
