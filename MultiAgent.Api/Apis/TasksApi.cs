using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using MultiAgent.Api.RateLimiting;
using MultiAgent.Api.Tasks;
using MultiAgent.Contracts;
using MultiAgent.Contracts.Api;
using MultiAgent.Contracts.Events;
using MultiAgent.Contracts.Messages;
using MultiAgent.Contracts.Validation;
using MultiAgent.Data.Entities;
using StackExchange.Redis;

namespace MultiAgent.Api.Apis;

public static class TasksApi
{
    private const string QueueUnavailableAdvice = "message queue unavailable: the task could not be handed to the workflow. Nothing will process it; submit it again in a minute.";

    public static IEndpointRouteBuilder MapTasksApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/tasks")
            .WithTags("Tasks")
            .RequireAuthorization()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status401Unauthorized);

        api.MapPost("/", CreateTask)
            .WithName("CreateTask")
            .WithSummary("Submit a task")
            .Accepts<CreateTaskRequest>("application/json")
            .Produces<RateLimitExceededResponse>(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        api.MapGet("/", ListTasks)
            .WithName("ListTasks")
            .WithSummary("List the caller's tasks (an admin: every user's, or user_id's)");
        api.MapGet("/{taskId}", GetTask)
            .WithName("GetTask")
            .WithSummary("A task's status, agents, subtasks and usage")
            .ProducesProblem(StatusCodes.Status404NotFound);
        api.MapGet("/{taskId}/result", GetTaskResult)
            .WithName("GetTaskResult")
            .WithSummary("The result of a finished task")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        api.MapGet("/{taskId}/agents", GetTaskAgents)
            .WithName("GetTaskAgents")
            .WithSummary("What each agent did on a task")
            .ProducesProblem(StatusCodes.Status404NotFound);
        api.MapDelete("/{taskId}", CancelTask)
            .WithName("CancelTask")
            .WithSummary("Cancel a task that has not finished")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        api.MapPost("/{taskId}/revise", ReviseTask)
            .WithName("ReviseTask")
            .WithSummary("Ask for a revision of a completed task")
            .Accepts<ReviseTaskRequest>("application/json")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        return app;
    }

    public static async Task<Results<Created<TaskCreatedResponse>, ValidationProblem, ProblemHttpResult, JsonHttpResult<RateLimitExceededResponse>>> CreateTask(
        HttpContext httpContext, [AsParameters] TaskServices services, CancellationToken cancellationToken)
    {
        var body = await RequestBody.ReadJsonAsync<CreateTaskRequest>(httpContext.Request, cancellationToken);
        if (body.Problem is not null)
        {
            return body.Problem;
        }

        // A user_id in the body is ignored: the task belongs to the caller.
        var validated = CreateTaskValidator.Validate(body.Value!);
        if (!validated.IsValid)
        {
            return Problems.Validation(validated.Errors);
        }

        // Limits are checked after validation, so a malformed request uses up no allowance, and before anything is written.
        var now = services.Now();
        var limits = services.Limiter.Limits;
        var active = await services.Db.Tasks.CountAsync(t => t.Status != TaskStatuses.Completed && t.Status != TaskStatuses.Failed
            && t.Status != TaskStatuses.Cancelled, cancellationToken);
        if (active >= limits.ConcurrentTasks)
        {
            var window = FixedWindow.At(now, "minute", FixedWindow.Minute);
            return RateLimiter.TooManyRequests(httpContext,
                new RateLimitDecision(false, new RateLimitRule("tasks_active", window, limits.ConcurrentTasks), active + 1, now),
                $"The platform is at its limit of {limits.ConcurrentTasks} tasks in progress. Submit again in a minute.");
        }

        if (await services.Limiter.TaskCreationAsync(services.UserId) is { } decision)
        {
            if (!decision.Allowed)
            {
                return RateLimiter.TooManyRequests(httpContext, decision,
                    $"Rate limit exceeded: at most {decision.Rule.Limit} new tasks per {decision.Rule.Window.Name}. Retry after {decision.RetryAfterSeconds} seconds.");
            }
            RateLimiter.WriteHeaders(httpContext.Response, decision);
        }

        var submission = validated.Value!;
        var estimatedCompletion = now + await services.Estimator.EstimateAsync(cancellationToken);
        var task = new TaskEntity
        {
            TaskId = Ids.NewTaskId(),
            UserId = services.UserId,
            Title = submission.Title,
            Description = submission.Description,
            Priority = submission.Priority,
            Status = TaskStatuses.Pending,
            Context = submission.ContextJson,
            Progress = 0,
            CurrentStage = Stages.Initialization,
            EstimatedCompletion = estimatedCompletion.UtcDateTime,
            CreatedAt = now.UtcDateTime,
            UpdatedAt = now.UtcDateTime,
        };
        services.Db.Tasks.Add(task);
        await services.Db.SaveChangesAsync(cancellationToken);

        if (!await services.TryPublishAsync(new TaskSubmitted(task.TaskId, now)))
        {
            // A task must never stay pending with nobody to pick it up.
            await services.Db.Tasks
                .Where(t => t.TaskId == task.TaskId && t.Status == TaskStatuses.Pending)
                .ExecuteUpdateAsync(s => s
                    .SetProperty(t => t.Status, TaskStatuses.Failed)
                    .SetProperty(t => t.CurrentStage, Stages.Failed)
                    .SetProperty(t => t.ErrorMessage, QueueUnavailableAdvice)
                    .SetProperty(t => t.UpdatedAt, services.Now().UtcDateTime), CancellationToken.None);
            httpContext.Response.Headers.RetryAfter = "60";
            return Problems.QueueUnavailable(
                $"The task {task.TaskId} was recorded as failed because the message queue is unavailable. Submit it again in a minute.");
        }

        return TypedResults.Created($"/api/v1/tasks/{task.TaskId}",
            new TaskCreatedResponse(task.TaskId, task.Status, now, estimatedCompletion));
    }

    public static async Task<Results<Ok<TaskListResponse>, ValidationProblem>> ListTasks(
        [AsParameters] TaskListParameters query, [AsParameters] TaskServices services, CancellationToken cancellationToken)
    {
        var validated = TaskListQueryValidator.Validate(query.Status, query.UserId, query.Page, query.Limit, query.Sort, query.Order, query.Search);
        if (!validated.IsValid)
        {
            return Problems.Validation(validated.Errors);
        }

        return TypedResults.Ok(await services.Reader.ListAsync(validated.Value!, services.UserId, services.User.IsAdmin, cancellationToken));
    }

    public static async Task<Results<Ok<TaskDetails>, ProblemHttpResult>> GetTask(
        string taskId, [AsParameters] TaskServices services, CancellationToken cancellationToken)
    {
        var details = Ids.TryParseTaskId(taskId, out _)
            ? await services.Reader.GetDetailsAsync(taskId, services.ReadableOwner, cancellationToken)
            : null;
        return details is null ? Problems.TaskNotFound(taskId) : TypedResults.Ok(details);
    }

    public static async Task<Results<Ok<TaskResultResponse>, ProblemHttpResult>> GetTaskResult(
        string taskId, [AsParameters] TaskServices services, CancellationToken cancellationToken)
    {
        var owner = services.ReadableOwner;
        var task = Ids.TryParseTaskId(taskId, out _)
            ? await services.Db.Tasks.AsNoTracking()
                .Where(t => t.TaskId == taskId && (owner == null || t.UserId == owner))
                .Select(t => new { t.Status, t.CompletedAt, t.UpdatedAt, t.ErrorMessage })
                .FirstOrDefaultAsync(cancellationToken)
            : null;

        return task switch
        {
            null => Problems.TaskNotFound(taskId),
            { Status: TaskStatuses.Completed } =>
                TypedResults.Ok(await services.Results.GetCompletedAsync(taskId, task.CompletedAt, cancellationToken)),
            { Status: TaskStatuses.Failed or TaskStatuses.Cancelled } =>
                TypedResults.Ok(new TaskResultResponse(taskId, task.Status, null, Utc.ToOffset(task.CompletedAt ?? task.UpdatedAt), task.ErrorMessage)),
            _ => Problems.Conflict("Task not completed",
                $"Task is not completed yet (status {task.Status}); poll GET /api/v1/tasks/{taskId} or subscribe on {TaskEventNames.HubPath} until it completes."),
        };
    }

    public static async Task<Results<Ok<TaskAgentsResponse>, ProblemHttpResult>> GetTaskAgents(
        string taskId, [AsParameters] TaskServices services, CancellationToken cancellationToken)
    {
        var agents = Ids.TryParseTaskId(taskId, out _)
            ? await services.Reader.GetAgentsAsync(taskId, services.ReadableOwner, cancellationToken)
            : null;
        return agents is null ? Problems.TaskNotFound(taskId) : TypedResults.Ok(agents);
    }

    public static async Task<Results<Ok<CancelTaskResponse>, ProblemHttpResult>> CancelTask(
        string taskId, [AsParameters] TaskServices services, CancellationToken cancellationToken)
    {
        if (!Ids.TryParseTaskId(taskId, out _))
        {
            return Problems.TaskNotFound(taskId);
        }

        var now = services.Now();
        var userId = services.UserId;
        // One conditional UPDATE: a cancellation can never overwrite a completion that landed first, nor the reverse.
        var cancelled = await services.Db.Tasks
            .Where(t => t.TaskId == taskId && t.UserId == userId
                && t.Status != TaskStatuses.Completed && t.Status != TaskStatuses.Failed && t.Status != TaskStatuses.Cancelled)
            .ExecuteUpdateAsync(s => s
                .SetProperty(t => t.Status, TaskStatuses.Cancelled)
                .SetProperty(t => t.CurrentStage, Stages.Cancelled)
                .SetProperty(t => t.ErrorMessage, "Cancelled by user")
                .SetProperty(t => t.UpdatedAt, now.UtcDateTime), cancellationToken);

        if (cancelled == 0)
        {
            var status = await services.Db.Tasks.AsNoTracking()
                .Where(t => t.TaskId == taskId && t.UserId == userId)
                .Select(t => t.Status)
                .FirstOrDefaultAsync(cancellationToken);
            return status is null
                ? Problems.TaskNotFound(taskId)
                : Problems.Conflict("Task already finished", $"Task is already {status} and cannot be cancelled.");
        }

        // Committed: from here on every step is best effort and must not undo the cancellation.
        await SignalCancellationAsync(services, taskId);
        var progress = await services.Db.Tasks.AsNoTracking().Where(t => t.TaskId == taskId).Select(t => t.Progress).FirstAsync(CancellationToken.None);
        await services.Live.TryApplyAsync(new TaskProgressChanged(taskId, TaskEventNames.TaskStatusUpdate, TaskStatuses.Cancelled, progress,
            Stages.Cancelled, null, null, null, "cancelled", null, "Cancelled by user", now));
        if (!await services.TryPublishAsync(new TaskCancellationRequested(taskId, now)))
        {
            services.Logger.LogWarning("Task {TaskId} is cancelled, but the workflow was not told; its late results will be discarded", taskId);
        }

        return TypedResults.Ok(new CancelTaskResponse(taskId, TaskStatuses.Cancelled, "Task cancelled successfully"));
    }

    public static async Task<Results<Ok<ReviseTaskResponse>, ValidationProblem, ProblemHttpResult>> ReviseTask(
        string taskId, HttpContext httpContext, [AsParameters] TaskServices services, CancellationToken cancellationToken)
    {
        if (!Ids.TryParseTaskId(taskId, out _))
        {
            return Problems.TaskNotFound(taskId);
        }

        var body = await RequestBody.ReadJsonAsync<ReviseTaskRequest>(httpContext.Request, cancellationToken);
        if (body.Problem is not null)
        {
            return body.Problem;
        }

        var validated = ReviseTaskValidator.Validate(body.Value!);
        if (!validated.IsValid)
        {
            return Problems.Validation(validated.Errors);
        }

        var revision = validated.Value!;
        var db = services.Db;
        var userId = services.UserId;
        var now = services.Now();
        var estimatedCompletion = now + await services.Estimator.EstimateAsync(cancellationToken);
        var revisionId = Ids.NewRevisionId();

        // The status check and the revision row commit together, so two concurrent requests cannot both start a revision.
        var started = await db.Database.CreateExecutionStrategy().ExecuteAsync(async () =>
        {
            db.ChangeTracker.Clear();
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            var updated = await db.Tasks
                .Where(t => t.TaskId == taskId && t.UserId == userId && t.Status == TaskStatuses.Completed)
                .ExecuteUpdateAsync(s => s
                    .SetProperty(t => t.Status, TaskStatuses.RevisionPending)
                    .SetProperty(t => t.EstimatedCompletion, estimatedCompletion.UtcDateTime)
                    .SetProperty(t => t.UpdatedAt, now.UtcDateTime), cancellationToken);
            if (updated == 0)
            {
                return false;
            }

            db.Revisions.Add(new RevisionEntity
            {
                RevisionId = revisionId,
                TaskId = taskId,
                RevisionRequest = revision.RevisionRequest,
                SpecificAreas = JsonSerializer.Serialize(revision.SpecificAreas),
                Priority = revision.Priority,
                Status = "pending",
                CreatedAt = now.UtcDateTime,
            });
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return true;
        });

        if (!started)
        {
            var status = await db.Tasks.AsNoTracking()
                .Where(t => t.TaskId == taskId && t.UserId == userId)
                .Select(t => t.Status)
                .FirstOrDefaultAsync(cancellationToken);
            return status is null
                ? Problems.TaskNotFound(taskId)
                : Problems.Conflict("Task cannot be revised", $"Only a completed task can be revised; this task is {status}.");
        }

        if (!await services.TryPublishAsync(new TaskRevisionRequested(taskId, revisionId, now)))
        {
            // Undo, so the task does not wait for a revision nobody will make; its completed answer still stands.
            await db.Revisions.Where(r => r.RevisionId == revisionId)
                .ExecuteUpdateAsync(s => s.SetProperty(r => r.Status, "failed"), CancellationToken.None);
            await db.Tasks.Where(t => t.TaskId == taskId && t.Status == TaskStatuses.RevisionPending)
                .ExecuteUpdateAsync(s => s
                    .SetProperty(t => t.Status, TaskStatuses.Completed)
                    .SetProperty(t => t.UpdatedAt, services.Now().UtcDateTime), CancellationToken.None);
            httpContext.Response.Headers.RetryAfter = "60";
            return Problems.QueueUnavailable("The revision could not be handed to the workflow because the message queue is unavailable. The task keeps its completed answer; ask again in a minute.");
        }

        var progress = await db.Tasks.AsNoTracking().Where(t => t.TaskId == taskId).Select(t => new { t.Progress, t.CurrentStage }).FirstAsync(CancellationToken.None);
        await services.Live.TryApplyAsync(new TaskProgressChanged(taskId, TaskEventNames.TaskStatusUpdate, TaskStatuses.RevisionPending, progress.Progress,
            progress.CurrentStage, null, null, null, "revision_requested", null, revision.RevisionRequest, now));

        return TypedResults.Ok(new ReviseTaskResponse(taskId, revisionId, TaskStatuses.RevisionPending, estimatedCompletion));
    }

    private static async Task SignalCancellationAsync(TaskServices services, string taskId)
    {
        try
        {
            if (!services.Redis.IsConnected)
            {
                throw new RedisConnectionException(ConnectionFailureType.UnableToConnect, "Redis is not connected.");
            }
            var redis = services.Redis.GetDatabase();
            await redis.StringSetAsync(RedisKeys.TaskCancelled(taskId), "1", TimeSpan.FromHours(24)).WaitAsync(TimeSpan.FromSeconds(2));
            // The Orchestrator listens and cancels the task's model calls in flight.
            await redis.PublishAsync(RedisChannel.Literal(RedisKeys.TaskCancelledChannel), taskId).WaitAsync(TimeSpan.FromSeconds(2));
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            services.Logger.LogWarning(ex, "Could not signal the cancellation of {TaskId} on Redis; in-flight model calls will run to completion", taskId);
        }
    }
}

/// <summary>The query of GET /api/v1/tasks, as text: <see cref="TaskListQueryValidator"/> reports bad values per field.</summary>
public sealed class TaskListParameters
{
    [FromQuery(Name = "status")] public string? Status { get; init; }
    [FromQuery(Name = "user_id")] public string? UserId { get; init; }
    [FromQuery(Name = "page")] public string? Page { get; init; }
    [FromQuery(Name = "limit")] public string? Limit { get; init; }
    [FromQuery(Name = "sort")] public string? Sort { get; init; }
    [FromQuery(Name = "order")] public string? Order { get; init; }
    /// <summary>Only tasks whose title contains this text (case-insensitive).</summary>
    [FromQuery(Name = "q")] public string? Search { get; init; }
}
