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
            if (active <= 0)
            {
                await redisDb.KeyDeleteAsync(key);
            }
            else
            {
                await redisDb.KeyExpireAsync(key, ActiveExpiry);
            }
            await redisDb.StringSetAsync(RedisKeys.AgentStatus(agentId), active > 0 ? "busy" : "idle");
        }
        catch (RedisException ex)
        {
            logger.LogWarning("Could not update the live status of {AgentId}: {Reason}", agentId, ex.Message);
        }

        var now = DateTime.UtcNow;
        if (active > 0)
        {
            await db.Agents.Where(a => a.AgentId == agentId)
                .ExecuteUpdateAsync(s => s.SetProperty(a => a.Status, "busy").SetProperty(a => a.CurrentTaskId, taskId)
                    .SetProperty(a => a.UpdatedAt, now), cancellationToken);
        }
        else
        {
            await db.Agents.Where(a => a.AgentId == agentId)
                .ExecuteUpdateAsync(s => s.SetProperty(a => a.Status, "idle").SetProperty(a => a.CurrentTaskId, (string?)null)
                    .SetProperty(a => a.UpdatedAt, now), cancellationToken);
        }
    }

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
