namespace MultiAgent.Contracts.Api;

/// <summary>An administrator's change to an agent: take it out of service, or change the model it runs on.</summary>
public sealed record UpdateAgentRequest(string? Status, string? Model, double? Temperature, int? MaxTokens);

public sealed record AgentDetails(string AgentId, string AgentType, string Status, string Model, double Temperature, int MaxTokens);

/// <summary>GET /api/v1/agents: every agent with its live status (idle, busy or maintenance) and model settings.</summary>
public sealed record AgentListResponse(IReadOnlyList<AgentDetails> Agents);
