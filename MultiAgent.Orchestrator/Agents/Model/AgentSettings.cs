using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using MultiAgent.Data;

namespace MultiAgent.Orchestrator.Agents.Model;

/// <summary>
/// Which model an agent runs on, with what temperature and output budget: the agents table's model_config (which an
/// administrator may change), falling back to the registry's defaults. Read at most every few seconds per agent type.
/// </summary>
public sealed class AgentSettings(IServiceScopeFactory scopes, TimeProvider time)
{
    private static readonly TimeSpan Freshness = TimeSpan.FromSeconds(10);

    private readonly ConcurrentDictionary<string, (AgentRegistry.AgentDefinition Settings, DateTimeOffset ReadAt)> _cache = new();

    public async Task<AgentRegistry.AgentDefinition> GetAsync(string agentType, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (_cache.TryGetValue(agentType, out var cached) && now - cached.ReadAt < Freshness) return cached.Settings;

        var defaults = AgentRegistry.Find(agentType) ?? AgentRegistry.Find(AgentRegistry.GeneralistType)!;
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<MultiAgentDbContext>();
        var config = await db.Agents.AsNoTracking()
            .Where(a => a.AgentType == defaults.Type)
            .Select(a => a.ModelConfig)
            .FirstOrDefaultAsync(cancellationToken);

        var settings = config is null
            ? defaults
            : defaults with { Model = config.Model, Temperature = config.Temperature, MaxTokens = config.MaxTokens };
        _cache[agentType] = (settings, now);
        return settings;
    }
}
