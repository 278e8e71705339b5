using Microsoft.EntityFrameworkCore;
using MultiAgent.Data;
using MultiAgent.Data.Entities;

namespace MultiAgent.AiGateway.Usage;

/// <summary>One completed model call, as billed.</summary>
public sealed record UsageRecord(
    string? TaskId,
    string? AgentId,
    string Provider,
    string Model,
    int PromptTokens,
    int CompletionTokens,
    int TotalTokens,
    decimal? CostUsd);

/// <summary>Writes one ai_api_usage row per completed call. Implementations must not throw: usage never fails a call.</summary>
public interface IUsageRecorder
{
    Task RecordAsync(UsageRecord usage, CancellationToken cancellationToken = default);
}

/// <summary>
/// Records usage in Postgres (table ai_api_usage). A task or agent id that does not exist is stored as null
/// (the columns are foreign keys). Failures are logged and swallowed.
/// </summary>
public sealed partial class DbUsageRecorder(IServiceScopeFactory scopes, TimeProvider time, ILogger<DbUsageRecorder> logger) : IUsageRecorder
{
    /// <summary>How long a call's answer may wait for its usage row (the database client retries transient errors).</summary>
    public static readonly TimeSpan WriteTimeout = TimeSpan.FromSeconds(5);

    public async Task RecordAsync(UsageRecord usage, CancellationToken cancellationToken = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(WriteTimeout);
        cancellationToken = timeout.Token;
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<MultiAgentDbContext>();

            for (var attempt = 1; ; attempt++)
            {
                var taskId = usage.TaskId is { } t && await db.Tasks.AsNoTracking().AnyAsync(x => x.TaskId == t, cancellationToken) ? t : null;
                var agentId = usage.AgentId is { } a && await db.Agents.AsNoTracking().AnyAsync(x => x.AgentId == a, cancellationToken) ? a : null;
                if (taskId != usage.TaskId || agentId != usage.AgentId)
                {
                    LogUnknownIds(logger, usage.TaskId is not null && taskId is null, usage.AgentId is not null && agentId is null);
                }

                var row = new AiApiUsageEntity
                {
                    TaskId = taskId,
                    AgentId = agentId,
                    Provider = usage.Provider,
                    Model = usage.Model.Length > 100 ? usage.Model[..100] : usage.Model,
                    PromptTokens = usage.PromptTokens,
                    CompletionTokens = usage.CompletionTokens,
                    TotalTokens = usage.TotalTokens,
                    CostUsd = usage.CostUsd,
                    Timestamp = time.GetUtcNow().UtcDateTime,
                };
                db.AiApiUsage.Add(row);
                try
                {
                    await db.SaveChangesAsync(cancellationToken);
                    return;
                }
                catch (DbUpdateException) when (attempt == 1)
                {
                    // The task or agent may have been deleted between the check and the insert: check again, once.
                    db.ChangeTracker.Clear();
                }
            }
        }
        catch (Exception ex)
        {
            LogWriteFailed(logger, ex, usage.Provider, usage.Model, usage.TotalTokens);
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Usage row stores null for an id that does not exist (task unknown: {UnknownTask}, agent unknown: {UnknownAgent})")]
    private static partial void LogUnknownIds(ILogger logger, bool unknownTask, bool unknownAgent);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not record AI usage ({Provider}/{Model}, {TotalTokens} tokens); the call itself succeeded")]
    private static partial void LogWriteFailed(ILogger logger, Exception exception, string provider, string model, int totalTokens);
}
