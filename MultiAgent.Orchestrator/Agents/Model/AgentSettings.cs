using Microsoft.EntityFrameworkCore;
using MultiAgent.Contracts;
using MultiAgent.Data;
using MultiAgent.Data.Entities;
using StackExchange.Redis;

namespace MultiAgent.Orchestrator.Agents.Model;

/// <summary>
/// The agents table as the steps need it: which model each agent runs on, with what temperature and output budget
/// (model_config, which an administrator may change), and which agents are in maintenance. All agents are read in one query
/// at most every few seconds; an administrator's change (announced by the Api on <see cref="RedisKeys.AgentsChangedChannel"/>)
/// drops the cached copy at once.
/// </summary>
public sealed class AgentSettings(IServiceScopeFactory scopes, IConnectionMultiplexer redis, TimeProvider time, ILogger<AgentSettings> logger)
    : IHostedService
{
    public static readonly TimeSpan Freshness = TimeSpan.FromSeconds(10);

    private readonly SemaphoreSlim _refresh = new(1, 1);
    private volatile Snapshot? _snapshot;

    private sealed record Snapshot(IReadOnlyDictionary<string, (AgentModelConfig Config, string Status)> Agents, DateTimeOffset ReadAt);

    public async Task<AgentRegistry.AgentDefinition> GetAsync(string agentType, CancellationToken cancellationToken)
    {
        var defaults = AgentRegistry.Find(agentType) ?? AgentRegistry.Find(AgentRegistry.GeneralistType)!;
        var agents = (await CurrentAsync(cancellationToken)).Agents;
        return agents.TryGetValue(defaults.Type, out var agent)
            ? defaults with { Model = agent.Config.Model, Temperature = agent.Config.Temperature, MaxTokens = agent.Config.MaxTokens }
            : defaults;
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await redis.GetSubscriber().SubscribeAsync(RedisChannel.Literal(RedisKeys.AgentsChangedChannel), (_, _) => _snapshot = null);
        }
        catch (RedisException ex)
        {
            logger.LogWarning(ex, "Agent changes are not announced to this Orchestrator (Redis unavailable); they apply within {Freshness}", Freshness);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>The agent types an administrator took out of service.</summary>
    public async Task<IReadOnlySet<string>> InMaintenanceAsync(CancellationToken cancellationToken) =>
        (await CurrentAsync(cancellationToken)).Agents.Where(a => a.Value.Status == AgentStatuses.Maintenance).Select(a => a.Key).ToHashSet();

    private async Task<Snapshot> CurrentAsync(CancellationToken cancellationToken)
    {
        if (_snapshot is { } fresh && time.GetUtcNow() - fresh.ReadAt < Freshness) return fresh;
        await _refresh.WaitAsync(cancellationToken);
        try
        {
            if (_snapshot is { } again && time.GetUtcNow() - again.ReadAt < Freshness) return again;
            using var scope = scopes.CreateScope();
            var db = scope.ServiceProvider.GetRequiredService<MultiAgentDbContext>();
            var rows = await db.Agents.AsNoTracking().Select(a => new { a.AgentType, a.ModelConfig, a.Status }).ToListAsync(cancellationToken);
            return _snapshot = new Snapshot(rows.ToDictionary(r => r.AgentType, r => (r.ModelConfig, r.Status)), time.GetUtcNow());
        }
        finally
        {
            _refresh.Release();
        }
    }
}
