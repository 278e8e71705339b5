namespace MultiAgent.Contracts.Api;

// GET /api/v1/agents/status, GET /api/v1/metrics and the hub's ping reply, in the design document's shapes.

public sealed record AgentTypeStatus(int Available, int Busy);

public sealed record AgentStatusResponse(int TotalAgents, int Available, int Busy, IReadOnlyDictionary<string, AgentTypeStatus> ByType);

public sealed record TaskCountMetrics(int Total, int Pending, int InProgress, int Completed, int Failed);

public sealed record AgentCountMetrics(int Active, int Idle);

/// <param name="AvgCompletionTimeSeconds">Null until a task has completed.</param>
/// <param name="SuccessRate">Completed / (completed + failed); null until a task has finished.</param>
public sealed record PerformanceMetrics(double? AvgCompletionTimeSeconds, double? SuccessRate);

public sealed record MetricsResponse(TaskCountMetrics Tasks, AgentCountMetrics Agents, PerformanceMetrics Performance);

public sealed record PongResponse(string Type, DateTimeOffset Timestamp);
