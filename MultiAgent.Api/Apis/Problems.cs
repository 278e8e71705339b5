using System.Diagnostics;
using Microsoft.AspNetCore.Http.HttpResults;

namespace MultiAgent.Api.Apis;

/// <summary>The RFC 9457 problem responses of the Api, each saying what the caller can do about it.</summary>
public static class Problems
{
    public static ProblemHttpResult TaskNotFound(string taskId) => TypedResults.Problem(
        title: "Task not found",
        detail: $"There is no task '{taskId}' for this user.",
        statusCode: StatusCodes.Status404NotFound);

    public static ProblemHttpResult SubtaskNotFound(string taskId, string subtaskId) => TypedResults.Problem(
        title: "Subtask not found",
        detail: $"Task '{taskId}' has no subtask '{subtaskId}'. GET /api/v1/tasks/{taskId} lists its subtasks.",
        statusCode: StatusCodes.Status404NotFound);

    public static ProblemHttpResult Conflict(string title, string detail) =>
        TypedResults.Problem(title: title, detail: detail, statusCode: StatusCodes.Status409Conflict);

    public static ProblemHttpResult BadRequest(string title, string detail) =>
        TypedResults.Problem(title: title, detail: detail, statusCode: StatusCodes.Status400BadRequest);

    public static ProblemHttpResult QueueUnavailable(string detail) =>
        TypedResults.Problem(title: "Message queue unavailable", detail: detail, statusCode: StatusCodes.Status503ServiceUnavailable);

    public static ProblemHttpResult WorkflowUnavailable(string detail) =>
        TypedResults.Problem(title: "Workflow unavailable", detail: detail, statusCode: StatusCodes.Status503ServiceUnavailable);

    public static ValidationProblem Validation(IReadOnlyDictionary<string, string[]> errors, string? detail = null) =>
        TypedResults.ValidationProblem(errors, detail: detail ?? "Fix the fields listed in errors and send the request again.");

    /// <summary>JSON on the wire is snake_case, problem extensions included.</summary>
    public static void Customize(ProblemDetailsContext context)
    {
        var extensions = context.ProblemDetails.Extensions;
        var traceId = extensions.Remove("traceId", out var value) ? value : Activity.Current?.Id ?? context.HttpContext.TraceIdentifier;
        extensions["trace_id"] = traceId;
    }
}
