namespace MultiAgent.Contracts.Api;

public sealed record AgentTypeInfo(string Type, string Description, IReadOnlyList<string> Capabilities, string Role);

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
