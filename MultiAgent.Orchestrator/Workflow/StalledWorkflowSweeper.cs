using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using MultiAgent.Data;
using MultiAgent.Orchestrator.Agents;
using MultiAgent.Orchestrator.Workflow.Persistence;

namespace MultiAgent.Orchestrator.Workflow;

/// <summary>
/// The last line of "never stuck": a workflow whose saga has not moved for <see cref="WorkflowOptions.StallAfter"/> gets the
/// commands of its current state again (<see cref="WorkflowCommands"/>). Durable queues, acknowledgements and the redelivery
/// filter cover crashes; this covers what they cannot see — a command lost with a broker that went away mid-delivery, or a
/// consumer that did not come back after a reconnect. Steps are idempotent (stored results are reused, model calls carry
/// idempotency keys), so a command sent for work that was only slow costs a read, not a second answer. One replica takes
/// each stalled workflow: the resend is claimed by moving the row's <c>updated_at</c> with a compare-and-set.
/// </summary>
public sealed class StalledWorkflowSweeper(
    IServiceScopeFactory scopes, IOptions<WorkflowOptions> options, TimeProvider time, ILogger<StalledWorkflowSweeper> logger) : BackgroundService
{
    private static readonly string[] Finished =
        [nameof(TaskWorkflowStateMachine.Completed), nameof(TaskWorkflowStateMachine.Failed), nameof(TaskWorkflowStateMachine.Cancelled), "Final", "Initial"];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var stallAfter = options.Value.StallAfter;
        if (stallAfter <= TimeSpan.Zero) return;
        using var timer = new PeriodicTimer(TimeSpan.FromTicks(Math.Max(TimeSpan.FromSeconds(5).Ticks, stallAfter.Ticks / 4)), time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await SweepAsync(stallAfter, stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogWarning(ex, "Looking for stalled workflows failed; trying again at the next sweep");
            }
        }
    }

    private async Task SweepAsync(TimeSpan stallAfter, CancellationToken cancellationToken)
    {
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<MultiAgentDbContext>();
        var publish = scope.ServiceProvider.GetRequiredService<IPublishEndpoint>();
        var now = time.GetUtcNow().UtcDateTime;
        var cutoff = now - stallAfter;

        var stalled = await db.TaskWorkflows.AsNoTracking()
            .Where(w => w.UpdatedAt < cutoff && !Finished.Contains(w.CurrentState))
            .OrderBy(w => w.UpdatedAt)
            .Take(100)
            .ToListAsync(cancellationToken);

        foreach (var row in stalled)
        {
            // Claim it: another replica sweeping at the same moment finds updated_at moved and leaves it alone.
            var claimed = await db.TaskWorkflows
                .Where(w => w.CorrelationId == row.CorrelationId && w.Version == row.Version && w.UpdatedAt == row.UpdatedAt)
                .ExecuteUpdateAsync(s => s.SetProperty(w => w.UpdatedAt, now), cancellationToken);
            if (claimed == 0) continue;

            var saga = WorkflowStateSerializer.ToSaga(row);
            var commands = WorkflowCommands.For(saga.CurrentState, saga);
            logger.LogWarning("Task {TaskId} made no progress in {State} for {Idle:0} s; sending its {Count} command(s) again",
                saga.TaskId, saga.CurrentState, (now - row.UpdatedAt).TotalSeconds, commands.Count);
            await WorkflowCommands.PublishAsync(publish, commands, saga.Priority, cancellationToken);
        }
    }
}
