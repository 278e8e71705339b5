namespace MultiAgent.Contracts.Api;

/// <param name="Model">The model the type's agent asks for (its registry model_config).</param>
/// <param name="Route">Where the AI gateway sends those calls; null when the gateway could not be asked.</param>
public sealed record AgentTypeInfo(string Type, string Description, IReadOnlyList<string> Capabilities, string Role,
    string? Model = null, ModelRoute? Route = null);

/// <summary>Where the AI gateway sends a call for a model and an agent role (GET /v1/routes/resolve on the gateway).</summary>
/// <param name="Route">The route's name (a role alias, a model name, <c>default</c>, or <c>provider/model</c> when asked directly).</param>
/// <param name="Match">How it was chosen: <c>model</c> (the model names a route), <c>direct</c> (provider/model),
/// <c>role</c> (the agent role names a route) or <c>default</c>.</param>
/// <param name="Targets">The ordered fallback chain, each <c>provider/model</c> (<c>provider/*</c>: the model passes through).</param>
public sealed record ModelRoute(string Route, string Match, IReadOnlyList<string> Targets);

public sealed record AgentTypesResponse(IReadOnlyList<AgentTypeInfo> AgentTypes);

public sealed record AgentActivity(DateTimeOffset Timestamp, string Action, string? Description);

public sealed record TaskAgent(
    string AgentId,
    string Type,
    string Status,
    string? Subtask,
    int? Progress,
    IReadOnlyList<AgentActivity> Activities);

public sealed record TaskAgentsResponse(string TaskId, IReadOnlyList<TaskAgent> Agents);

public sealed record HealthResponse(string Status, DateTimeOffset Timestamp, IReadOnlyDictionary<string, string> Services);
