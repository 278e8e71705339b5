using MultiAgent.AiGateway.Providers;

namespace MultiAgent.AiGateway.Routing;

/// <summary>One step of a route's fallback chain: a provider and the model asked of it (null: the requested model passes through).</summary>
public sealed record RouteTarget(string Provider, string? Model)
{
    /// <summary>The model the provider is asked for.</summary>
    public string ModelFor(string requestedModel) => Model ?? requestedModel;

    public override string ToString() => $"{Provider}/{Model ?? "*"}";

    /// <summary>Parses <c>provider/model</c> (split at the first '/'; model names may hold more); <c>provider</c> or <c>provider/*</c> pass the model through.</summary>
    public static RouteTarget Parse(string text)
    {
        var value = text.Trim();
        var slash = value.IndexOf('/');
        var provider = (slash < 0 ? value : value[..slash]).Trim().ToLowerInvariant();
        var model = slash < 0 ? null : value[(slash + 1)..].Trim();
        return new RouteTarget(provider, model is null or "" or "*" ? null : model);
    }
}

/// <summary>How a call's route was chosen (recorded in the ledger and on the span).</summary>
public enum RouteMatch
{
    /// <summary>The request's <c>model</c> is a route name (a role alias, or a model name an agent's model_config uses).</summary>
    Model,

    /// <summary>The request's <c>model</c> is <c>provider/model</c> for a configured provider: that target alone.</summary>
    Direct,

    /// <summary>The <c>X-MultiAgent-Agent-Role</c> header names a route.</summary>
    Role,

    /// <summary>Nothing else matched: the <c>default</c> route.</summary>
    Default,
}

public sealed record ResolvedRoute(string Name, IReadOnlyList<RouteTarget> Targets, RouteMatch Match);

/// <summary>
/// The routes, resolved per call in this order: the request's <c>model</c> as a route name; the request's <c>model</c> as
/// <c>provider/model</c>; the agent role header as a route name; the <c>default</c> route (the simulated model passing the
/// requested name through, unless configured).
/// </summary>
public sealed class RouteTable
{
    private readonly Dictionary<string, ResolvedRoute> _byName;
    private readonly HashSet<string> _providers;

    public RouteTable(IReadOnlyDictionary<string, List<string>> routes, IEnumerable<string> providers)
    {
        _providers = new HashSet<string>(providers, StringComparer.OrdinalIgnoreCase);
        _byName = new Dictionary<string, ResolvedRoute>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, targets) in routes)
        {
            var parsed = targets.Where(t => !string.IsNullOrWhiteSpace(t)).Select(RouteTarget.Parse).ToList();
            if (parsed.Count > 0)
            {
                _byName[name.Trim()] = new ResolvedRoute(name.Trim(), parsed, RouteMatch.Model);
            }
        }

        if (!_byName.ContainsKey(AiGatewayOptions.DefaultRoute))
        {
            _byName[AiGatewayOptions.DefaultRoute] = new ResolvedRoute(
                AiGatewayOptions.DefaultRoute, [new RouteTarget(AiGatewayOptions.SimulatedProviderName, null)], RouteMatch.Default);
        }
    }

    /// <summary>Every route (the default one included), by name.</summary>
    public IReadOnlyCollection<ResolvedRoute> Routes => _byName.Values;

    public ResolvedRoute Resolve(string requestedModel, string? agentRole)
    {
        if (_byName.TryGetValue(requestedModel, out var byModel))
        {
            return byModel with { Match = RouteMatch.Model };
        }

        var slash = requestedModel.IndexOf('/');
        if (slash > 0 && _providers.Contains(requestedModel[..slash]))
        {
            return new ResolvedRoute(requestedModel, [RouteTarget.Parse(requestedModel)], RouteMatch.Direct);
        }

        if (!string.IsNullOrWhiteSpace(agentRole) && _byName.TryGetValue(agentRole.Trim(), out var byRole))
        {
            return byRole with { Match = RouteMatch.Role };
        }

        return _byName[AiGatewayOptions.DefaultRoute] with { Match = RouteMatch.Default };
    }
}
