using MultiAgent.Contracts;
using MultiAgent.Data.Entities;
using StackExchange.Redis;

namespace MultiAgent.Orchestrator.Agents;

/// <summary>
/// Keeps the agents' live status in Redis: an agent is busy while at least one of its steps runs, on any task. Redis holds the
/// count of running steps (<c>agent:{id}:active</c>, expiring so a crash cannot leave an agent busy forever) and the status
/// the Api reads (<c>agent:{id}:status</c>), in one script per change. An agent an administrator put in maintenance stays so.
/// The agents table is not written per step: its status is the administrator's (idle or maintenance).
/// </summary>
public sealed class AgentActivityTracker(IConnectionMultiplexer redis, ILogger<AgentActivityTracker> logger)
{
    private static readonly TimeSpan ActiveExpiry = TimeSpan.FromMinutes(15);

    // KEYS: active count, status. ARGV: delta, expiry (s). Maintenance is left alone.
    private const string Script = """
        local active = redis.call('INCRBY', KEYS[1], ARGV[1])
        if active <= 0 then redis.call('DEL', KEYS[1]) else redis.call('EXPIRE', KEYS[1], ARGV[2]) end
        if redis.call('GET', KEYS[2]) ~= 'maintenance' then
          redis.call('SET', KEYS[2], active > 0 and 'busy' or 'idle')
        end
        return active
        """;

    public async Task<IAsyncDisposable> BeginAsync(string agentType, string taskId, CancellationToken cancellationToken)
    {
        var agentId = AgentTypes.AgentId(agentType);
        await ChangeAsync(agentId, +1);
        return new Activity(this, agentId);
    }

    private async Task ChangeAsync(string agentId, int delta)
    {
        try
        {
            await redis.GetDatabase().ScriptEvaluateAsync(Script, [$"agent:{agentId}:active", RedisKeys.AgentStatus(agentId)],
                [delta, (long)ActiveExpiry.TotalSeconds]);
        }
        catch (RedisException ex)
        {
            logger.LogWarning("Could not update the live status of {AgentId}: {Reason}", agentId, ex.Message);
        }
    }

    public const string Maintenance = AgentStatuses.Maintenance;

    private sealed class Activity(AgentActivityTracker tracker, string agentId) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync() => await tracker.ChangeAsync(agentId, -1);
    }
}
