using System.Text.Json;

namespace MultiAgent.Contracts.Api;

public sealed record CreateTaskRequest(
    string? Title,
    string? Description,
    string? Priority,
    JsonElement? Context,
    string? UserId);

public sealed record TaskCreatedResponse(
    string TaskId,
    string Status,
    DateTimeOffset CreatedAt,
    DateTimeOffset? EstimatedCompletion);

public sealed record AssignedAgent(string AgentId, string Type, string Status);

public sealed record TaskDetails(
    string TaskId,
    string UserId,
    string Title,
    string Description,
    string Priority,
    string Status,
    int Progress,
    string? CurrentStage,
    JsonElement? Context,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? CompletedAt,
    DateTimeOffset? EstimatedCompletion,
    string? Error,
    IReadOnlyList<AssignedAgent> AssignedAgents,
    IReadOnlyList<SubtaskSummary> Subtasks,
    TaskUsage Usage,
    TaskResult? Result);

public sealed record SubtaskSummary(
    string SubtaskId,
    string? ParentSubtaskId,
    string Title,
    string Description,
    string Status,
    string? AssignedAgentId,
    string? AgentType,
    int Phase,
    IReadOnlyList<string> Dependencies,
    string? AcceptanceStatus,
    string? ManagerFeedback,
    double? Score,
    int Versions,
    string? ResultPreview);

public sealed record TaskUsage(int PromptTokens, int CompletionTokens, int TotalTokens, decimal CostUsd, int Calls, bool Simulated);

public sealed record TaskResult(
    string FinalAnswer,
    JsonElement? SupportingData,
    double Confidence,
    IReadOnlyList<string> Sources,
    bool PartialCompletion,
    bool Simulated);

public sealed record TaskResultResponse(
    string TaskId,
    string Status,
    TaskResult? Result,
    DateTimeOffset? CompletedAt,
    string? Error);

public sealed record TaskSummary(
    string TaskId,
    string UserId,
    string Title,
    string Priority,
    string Status,
    int Progress,
    string? CurrentStage,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? CompletedAt);

public sealed record Pagination(int Page, int Limit, int Total, int Pages);

public sealed record TaskListResponse(IReadOnlyList<TaskSummary> Tasks, Pagination Pagination);

public sealed record CancelTaskResponse(string TaskId, string Status, string Message);

public sealed record ReviseTaskRequest(string? RevisionRequest, IReadOnlyList<string>? SpecificAreas, string? Priority);

public sealed record ReviseTaskResponse(string TaskId, string RevisionId, string Status, DateTimeOffset? EstimatedCompletion);
