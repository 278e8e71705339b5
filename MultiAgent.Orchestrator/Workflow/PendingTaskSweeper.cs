using MassTransit;
using Microsoft.EntityFrameworkCore;
using MultiAgent.Contracts;
using MultiAgent.Contracts.Messages;
using MultiAgent.Data;

namespace MultiAgent.Orchestrator.Workflow;

/// <summary>
/// Nothing lost at the front door: the Api stores a task, then publishes <see cref="TaskSubmitted"/>. If the Api stopped
/// between the two, the task would wait forever. This sweep starts the workflow for tasks still pending without one.
/// Starting twice is harmless: the saga is keyed by task id.
/// </summary>
public sealed class PendingTaskSweeper(IServiceScopeFactory scopes, TimeProvider time, ILogger<PendingTaskSweeper> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan Grace = TimeSpan.FromSeconds(30);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await SweepAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogWarning(ex, "Looking for pending tasks without a workflow failed; trying again in {Interval}", Interval);
            }
        }
    }

    private async Task SweepAsync(CancellationToken cancellationToken)
    {
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<MultiAgentDbContext>();
        var publish = scope.ServiceProvider.GetRequiredService<IPublishEndpoint>();
        var cutoff = time.GetUtcNow().UtcDateTime - Grace;

        var orphans = await db.Tasks.AsNoTracking()
            .Where(t => t.Status == TaskStatus.Pending && t.CreatedAt < cutoff && !db.TaskWorkflows.Any(w => w.TaskId == t.TaskId))
            .OrderBy(t => t.CreatedAt)
            .Select(t => new { t.TaskId, t.UserId, t.Priority })
            .Take(100)
            .ToListAsync(cancellationToken);

        foreach (var task in orphans)
        {
            logger.LogWarning("Task {TaskId} was stored but its workflow never started; starting it now", task.TaskId);
            await publish.Publish(new TaskSubmitted(task.TaskId, task.UserId, task.Priority, time.GetUtcNow()), cancellationToken);
        }
    }
}
