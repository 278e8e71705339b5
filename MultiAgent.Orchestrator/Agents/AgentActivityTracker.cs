using Microsoft.EntityFrameworkCore;
using MultiAgent.Contracts;
using MultiAgent.Data;
using StackExchange.Redis;

namespace MultiAgent.Orchestrator.Agents;

/// <summary>
/// Keeps the agent registry's live status: an agent is busy while at least one of its steps runs, on any task.
/// Redis holds the count of running steps (<c>agent:{id}:active</c>, expiring so a crash cannot leave an agent busy
/// forever) and the status string the Api reads (<c>agent:{id}:status</c>); the agents table mirrors it.
/// </summary>
public sealed class AgentActivityTracker(IConnectionMultiplexer redis, MultiAgentDbContext db, ILogger<AgentActivityTracker> logger)
{
    private static readonly TimeSpan ActiveExpiry = TimeSpan.FromMinutes(15);

    public async Task<IAsyncDisposable> BeginAsync(string agentType, string taskId, CancellationToken cancellationToken)
    {
        var agentId = AgentTypes.AgentId(agentType);
        await SetAsync(agentId, taskId, delta: 1, cancellationToken);
        return new Activity(this, agentId, taskId);
    }

    private async Task SetAsync(string agentId, string taskId, int delta, CancellationToken cancellationToken)
    {
        long active = delta > 0 ? 1 : 0;
        try
        {
            var redisDb = redis.GetDatabase();
            var key = $"agent:{agentId}:active";
            active = await redisDb.StringIncrementAsync(key, delta);
            if (active <= 0) await redisDb.KeyDeleteAsync(key);
            else await redisDb.KeyExpireAsync(key, ActiveExpiry);
        }
        catch (RedisException ex)
        {
            logger.LogWarning("Could not count the running steps of {AgentId}: {Reason}", agentId, ex.Message);
        }

        // An agent an administrator put in maintenance stays so: its running steps finish, its status is not touched.
        var now = DateTime.UtcNow;
        var status = active > 0 ? "busy" : "idle";
        var updated = await db.Agents.Where(a => a.AgentId == agentId && a.Status != Maintenance)
            .ExecuteUpdateAsync(s => s.SetProperty(a => a.Status, status)
                .SetProperty(a => a.CurrentTaskId, active > 0 ? taskId : null)
                .SetProperty(a => a.UpdatedAt, now), cancellationToken);
        if (updated == 0) return;

        try
        {
            await redis.GetDatabase().StringSetAsync(RedisKeys.AgentStatus(agentId), status);
        }
        catch (RedisException ex)
        {
            logger.LogWarning("Could not update the live status of {AgentId}: {Reason}", agentId, ex.Message);
        }
    }

    public const string Maintenance = "maintenance";

    private void LogIdleFailure(Exception ex, string agentId, string taskId) =>
        logger.LogWarning(ex, "Could not mark {AgentId} idle after its step on task {TaskId}", agentId, taskId);

    private sealed class Activity(AgentActivityTracker tracker, string agentId, string taskId) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            try
            {
                await tracker.SetAsync(agentId, taskId, delta: -1, CancellationToken.None);
            }
            catch (Exception ex)
            {
                tracker.LogIdleFailure(ex, agentId, taskId);
            }
        }
    }
}
