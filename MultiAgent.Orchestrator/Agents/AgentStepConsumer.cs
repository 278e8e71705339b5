using System.ClientModel;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using MultiAgent.Contracts;
using MultiAgent.Contracts.Messages;
using MultiAgent.Data;
using MultiAgent.Orchestrator.Agents.Model;

namespace MultiAgent.Orchestrator.Agents;

/// <summary>
/// What every agent step has in common: it does nothing for a task that is already finished or cancelled,
/// transient failures are retried by the endpoint's retry policy, and a step that cannot succeed tells the saga
/// (<see cref="AgentStepFailed"/>) instead of leaving the task stuck.
/// </summary>
public abstract class AgentStepConsumer<T>(MultiAgentDbContext db, ILogger logger) : IConsumer<T> where T : class, ITaskMessage
{
    protected abstract string StepName { get; }

    protected MultiAgentDbContext Db => db;

    public async Task Consume(ConsumeContext<T> context)
    {
        var taskId = context.Message.TaskId;
        if (!await IsActiveAsync(taskId, context.CancellationToken))
        {
            logger.LogInformation("Skipping {Step} for task {TaskId}: the task is no longer running", StepName, taskId);
            return;
        }

        try
        {
            if (AgentTypeFor(context.Message) is { } agentType)
            {
                await using var activity = await context.GetServiceOrCreateInstance<AgentActivityTracker>()
                    .BeginAsync(agentType, taskId, context.CancellationToken);
                await ExecuteAsync(context);
            }
            else
            {
                await ExecuteAsync(context);
            }
        }
        catch (OperationCanceledException) when (!context.CancellationToken.IsCancellationRequested)
        {
            logger.LogInformation("{Step} for task {TaskId} stopped: the task was cancelled", StepName, taskId);
        }
        catch (Exception ex) when (IsPermanent(ex) || context.GetRetryAttempt() >= AgentRetry.Intervals.Length)
        {
            var reason = Describe(ex);
            logger.LogError(ex, "{Step} for task {TaskId} failed for good: {Reason}", StepName, taskId, reason);
            await context.Publish(new AgentStepFailed(taskId, StepName, reason));
        }
    }

    protected abstract Task ExecuteAsync(ConsumeContext<T> context);

    /// <summary>The agent doing this step, which is marked busy while it runs; null for bookkeeping steps.</summary>
    protected virtual string? AgentTypeFor(T message) => null;

    private async Task<bool> IsActiveAsync(string taskId, CancellationToken cancellationToken)
    {
        var status = await db.Tasks.AsNoTracking().Where(t => t.TaskId == taskId).Select(t => t.Status).FirstOrDefaultAsync(cancellationToken);
        return status is not null && !TaskStatuses.IsTerminal(status);
    }

    private static bool IsPermanent(Exception ex) => ex switch
    {
        AgentOutputException => true,
        ClientResultException { Status: 400 or 401 or 403 or 404 or 422 } => true,
        _ => false,
    };

    private static string Describe(Exception ex) => ex switch
    {
        AgentOutputException => ex.Message,
        ClientResultException { Status: 401 or 403 } =>
            "the AI gateway refused the credentials; check the AiGateway key configuration",
        ClientResultException { Status: 429 } =>
            "the model provider kept rate-limiting the requests after 5 retries; try again later or raise the provider's limits",
        ClientResultException { Status: > 0 } c =>
            $"the AI gateway answered HTTP {c.Status} after 5 retries; check the AiGateway logs and the model provider's status",
        HttpRequestException or ClientResultException =>
            "the AI gateway could not be reached after 5 retries; check that the aigateway service is running",
        TimeoutException or TaskCanceledException => "the model did not answer in time after 5 retries",
        DbUpdateException => "the result could not be stored in the database after 5 retries",
        _ => $"unexpected error after 5 retries ({ex.GetType().Name})",
    };
}

public static class AgentRetry
{
    /// <summary>Retry intervals for transient failures, as the design document specifies: 1, 2, 4, 8, 16 seconds.</summary>
    public static readonly TimeSpan[] Intervals =
        [TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(8), TimeSpan.FromSeconds(16)];
}
