using MultiAgent.Contracts;
using StackExchange.Redis;

namespace MultiAgent.Api.Agents;

/// <summary>Agents' live status: Redis <c>agent:{agent_id}:status</c> where the Orchestrator set it, else the agents table's.</summary>
public sealed class AgentStatusReader(IConnectionMultiplexer redis, ILogger<AgentStatusReader> logger)
{
    public const string Idle = "idle";
    public const string Busy = "busy";

    public async Task<IReadOnlyDictionary<string, string>> GetAsync(IReadOnlyCollection<(string AgentId, string TableStatus)> agents)
    {
        var statuses = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (agentId, tableStatus) in agents)
        {
            statuses[agentId] = tableStatus;
        }

        if (statuses.Count == 0)
        {
            return statuses;
        }

        if (!redis.IsConnected)
        {
            logger.LogWarning("Redis is unavailable; reporting the agents table's status instead of the live one");
            return statuses;
        }

        var ids = statuses.Keys.ToArray();
        try
        {
            var live = await redis.GetDatabase().StringGetAsync(ids.Select(id => (RedisKey)RedisKeys.AgentStatus(id)).ToArray());
            for (var i = 0; i < ids.Length; i++)
            {
                if (live[i].HasValue)
                {
                    statuses[ids[i]] = live[i].ToString();
                }
            }
        }
        catch (RedisException ex)
        {
            logger.LogWarning(ex, "Redis is unavailable; reporting the agents table's status instead of the live one");
        }

        return statuses;
    }

    /// <summary>"agent_financial_analyst" → "financial_analyst", for agents missing from the registry.</summary>
    public static string TypeOf(string agentId) => agentId.StartsWith("agent_", StringComparison.Ordinal) ? agentId["agent_".Length..] : agentId;
}
