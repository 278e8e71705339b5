using Microsoft.AspNetCore.Http.HttpResults;
using MultiAgent.Api.Identity;
using MultiAgent.Api.Tasks;
using MultiAgent.Contracts;
using MultiAgent.Contracts.Api;

namespace MultiAgent.Api.Apis;

/// <summary>
/// Reads of what the agents produced on the way: a subtask's solution versions and reviews, the task's final answers and its
/// revisions. The owner's (or an admin's); anyone else gets 404, as for the task itself.
/// </summary>
public static class TaskHistoryApi
{
    public static IEndpointRouteBuilder MapTaskHistoryApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/tasks")
            .WithTags("Tasks")
            .RequireAuthorization()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status404NotFound);

        api.MapGet("/{taskId}/subtasks/{subtaskId}", GetSubtask)
            .WithName("GetSubtask")
            .WithSummary("A subtask with every version of its solution and the manager's review of each");
        api.MapGet("/{taskId}/answers", GetAnswers)
            .WithName("GetTaskAnswers")
            .WithSummary("Every final answer the task delivered, the first and each revision's, oldest first");
        api.MapGet("/{taskId}/revisions", GetRevisions)
            .WithName("GetTaskRevisions")
            .WithSummary("The revisions asked for, with how far back the manager sent each and the answer it delivered");

        return app;
    }

    public static async Task<Results<Ok<SubtaskDetails>, ProblemHttpResult>> GetSubtask(
        string taskId, string subtaskId, ICurrentUser user, TaskHistoryReader reader, CancellationToken cancellationToken)
    {
        if (!await ExistsAsync(taskId, user, reader, cancellationToken))
        {
            return Problems.TaskNotFound(taskId);
        }

        return await reader.GetSubtaskAsync(taskId, subtaskId, cancellationToken) is { } details
            ? TypedResults.Ok(details)
            : Problems.SubtaskNotFound(taskId, subtaskId);
    }

    public static async Task<Results<Ok<TaskAnswersResponse>, ProblemHttpResult>> GetAnswers(
        string taskId, ICurrentUser user, TaskHistoryReader reader, CancellationToken cancellationToken) =>
        await ExistsAsync(taskId, user, reader, cancellationToken)
            ? TypedResults.Ok(new TaskAnswersResponse(taskId, await reader.GetAnswersAsync(taskId, cancellationToken)))
            : Problems.TaskNotFound(taskId);

    public static async Task<Results<Ok<TaskRevisionsResponse>, ProblemHttpResult>> GetRevisions(
        string taskId, ICurrentUser user, TaskHistoryReader reader, CancellationToken cancellationToken) =>
        await ExistsAsync(taskId, user, reader, cancellationToken)
            ? TypedResults.Ok(new TaskRevisionsResponse(taskId, await reader.GetRevisionsAsync(taskId, cancellationToken)))
            : Problems.TaskNotFound(taskId);

    private static async Task<bool> ExistsAsync(string taskId, ICurrentUser user, TaskHistoryReader reader, CancellationToken cancellationToken) =>
        Ids.TryParseTaskId(taskId, out _) && await reader.ExistsAsync(taskId, user.IsAdmin ? null : user.UserId, cancellationToken);
}
