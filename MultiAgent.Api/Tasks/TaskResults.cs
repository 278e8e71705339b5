using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using MultiAgent.Contracts;
using MultiAgent.Contracts.Api;
using MultiAgent.Data;
using MultiAgent.Data.Entities;
using StackExchange.Redis;

namespace MultiAgent.Api.Tasks;

/// <summary>
/// The result of a completed task: its final solution (content = the answer in markdown; metadata = supporting_data,
/// confidence, sources, partial_completion). Cached in Redis <c>cache:task:{task_id}:result</c> for 24 hours with the
/// completion time it belongs to: a revision completes the task again at another time, so an older entry is never served.
/// </summary>
public sealed class TaskResults(MultiAgentDbContext db, IConnectionMultiplexer redis, Usage.GatewayUsageClient usageClient, ILogger<TaskResults> logger)
{
    /// <summary>Provider name the AiGateway records for its built-in simulated model.</summary>
    public const string SimulatedProvider = "simulated";

    private static readonly TimeSpan CacheDuration = TimeSpan.FromHours(24);

    public async Task<TaskResultResponse> GetCompletedAsync(string taskId, DateTime? completedAt, CancellationToken cancellationToken)
    {
        if (await ReadCacheAsync(taskId) is { } cached && cached.CompletedAt == Utc.ToOffset(completedAt))
        {
            return cached;
        }

        var final = await db.Solutions.AsNoTracking()
            .Where(s => s.TaskId == taskId && s.SolutionType == SolutionTypes.Final)
            .OrderByDescending(s => s.Version)
            .ThenByDescending(s => s.CreatedAt)
            .Select(s => new { s.Content, s.Metadata })
            .FirstOrDefaultAsync(cancellationToken);

        if (final is null)
        {
            logger.LogError("Task {TaskId} is completed but has no final solution", taskId);
            return new TaskResultResponse(taskId, TaskStatus.Completed, null, Utc.ToOffset(completedAt),
                "The task is marked completed but its final answer is missing; request a revision to produce it again.");
        }

        var simulated = await IsSimulatedAsync(taskId, cancellationToken);
        var metadata = JsonColumns.Deserialize<FinalAnswerMetadata>(final.Metadata!);
        var result = new TaskResult(final.Content, metadata.SupportingData, metadata.Confidence, metadata.Sources, metadata.PartialCompletion, simulated);

        var response = new TaskResultResponse(taskId, TaskStatus.Completed, result, Utc.ToOffset(completedAt), null);
        await WriteCacheAsync(taskId, response);
        return response;
    }

    // Whether some answer of the task came from the simulated model, per the AiGateway's ledger.
    private async Task<bool> IsSimulatedAsync(string taskId, CancellationToken cancellationToken)
    {
        try
        {
            return (await usageClient.GetTaskAsync(taskId, cancellationToken)).Simulated;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException)
        {
            logger.LogWarning(ex, "Could not ask the AI gateway whether {TaskId} was answered by the simulated model", taskId);
            return false;
        }
    }

    // The cache only saves work: when Redis is unavailable the result is read from Postgres.
    private async Task<TaskResultResponse?> ReadCacheAsync(string taskId)
    {
        if (!redis.IsConnected)
        {
            return null;
        }

        try
        {
            var value = await redis.GetDatabase().StringGetAsync(RedisKeys.TaskResult(taskId));
            return value.HasValue ? JsonSerializer.Deserialize<TaskResultResponse>(value.ToString(), JsonDefaults.Options) : null;
        }
        catch (Exception ex) when (ex is RedisException or JsonException)
        {
            logger.LogWarning(ex, "Could not read the cached result of {TaskId}", taskId);
            return null;
        }
    }

    private async Task WriteCacheAsync(string taskId, TaskResultResponse response)
    {
        if (!redis.IsConnected)
        {
            return;
        }

        try
        {
            await redis.GetDatabase().StringSetAsync(RedisKeys.TaskResult(taskId), JsonSerializer.Serialize(response, JsonDefaults.Options), CacheDuration);
        }
        catch (RedisException ex)
        {
            logger.LogWarning(ex, "Could not cache the result of {TaskId}", taskId);
        }
    }
}
