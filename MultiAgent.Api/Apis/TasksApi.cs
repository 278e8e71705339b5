using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using MassTransit;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using MultiAgent.Api.RateLimiting;
using MultiAgent.Api.RealTime;
using MultiAgent.Api.Tasks;
using MultiAgent.Contracts;
using MultiAgent.Contracts.Api;
using MultiAgent.Contracts.Events;
using MultiAgent.Contracts.Messages;
using MultiAgent.Contracts.Validation;
using MultiAgent.Data.Entities;

namespace MultiAgent.Api.Apis;

public static class TasksApi
{
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
        api.MapGet("/{taskId}/events", StreamTaskEvents)
            .WithName("StreamTaskEvents")
            .WithSummary("The task's live events as Server-Sent Events: its current state (task_snapshot), then each change")
            .Produces(StatusCodes.Status200OK, contentType: "text/event-stream")
            .ProducesProblem(StatusCodes.Status404NotFound);
        api.MapGet("/{taskId}/agents", GetTaskAgents)
            .WithName("GetTaskAgents")
            .WithSummary("What each agent did on a task")
            .ProducesProblem(StatusCodes.Status404NotFound);
        api.MapDelete("/{taskId}", CancelTask)
            .WithName("CancelTask")
            .WithSummary("Cancel a task that has not finished")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
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
        var unfinished = TaskStatusRules.UnfinishedStatuses;
        var active = await services.Db.Tasks.CountAsync(t => unfinished.Contains(t.Status), cancellationToken);
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
            Status = TaskStatus.Pending,
            Context = submission.ContextJson,
            BudgetUsd = submission.BudgetUsd,
            Progress = 0,
            CurrentStage = TaskStage.Initialization,
            EstimatedCompletion = estimatedCompletion.UtcDateTime,
            CreatedAt = now.UtcDateTime,
            UpdatedAt = now.UtcDateTime,
        };
        services.Db.Tasks.Add(task);
        await services.Db.SaveChangesAsync(cancellationToken);

        // Stored is accepted: if the broker cannot take the message now, the task stays pending and the Orchestrator's sweep
        // starts its workflow once the broker is back. Nothing here writes the task again.
        if (!await services.TryPublishAsync(new TaskSubmitted(task.TaskId, task.UserId, task.Priority, now)))
        {
            services.Logger.LogWarning("Task {TaskId} is stored but the message queue did not take its submission; it starts when the queue is back",
                task.TaskId);
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
            { Status: TaskStatus.Completed } =>
                TypedResults.Ok(await services.Results.GetCompletedAsync(taskId, task.CompletedAt, cancellationToken)),
            { Status: TaskStatus.Failed or TaskStatus.Cancelled } =>
                TypedResults.Ok(new TaskResultResponse(taskId, task.Status, null, Utc.ToOffset(task.CompletedAt ?? task.UpdatedAt), task.ErrorMessage)),
            _ => Problems.Conflict("Task not completed",
                $"Task is not completed yet (status {task.Status.Name()}); follow GET /api/v1/tasks/{taskId}/events (or the hub at {TaskEventNames.HubPath}) until it completes."),
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

    /// <summary>
    /// The Api asks the workflow to cancel: the saga decides (a finished task cannot be cancelled), writes the task's new
    /// state and answers. Nothing here writes the task.
    /// </summary>
    public static async Task<Results<Ok<CancelTaskResponse>, ProblemHttpResult>> CancelTask(
        string taskId, [AsParameters] TaskServices services, IRequestClient<CancelTask> workflow, CancellationToken cancellationToken)
    {
        var status = await services.OwnStatusAsync(taskId, cancellationToken);
        if (status is null)
        {
            return Problems.TaskNotFound(taskId);
        }
        if (status.Value.IsTerminal())
        {
            return Problems.Conflict("Task already finished", $"Task is already {status.Value.Name()} and cannot be cancelled.");
        }

        TaskCancellationResult result;
        try
        {
            result = (await workflow.GetResponse<TaskCancellationResult>(new CancelTask(taskId, services.UserId, services.Now()), cancellationToken)).Message;
        }
        catch (RequestTimeoutException)
        {
            return Problems.WorkflowUnavailable(
                "The workflow did not confirm the cancellation in time. The task may still be cancelled shortly; check its status, and cancel again if it keeps running.");
        }

        return result.Cancelled
            ? TypedResults.Ok(new CancelTaskResponse(taskId, result.Status, result.Message))
            : Problems.Conflict("Task already finished", result.Message);
    }

    /// <summary>
    /// The Api stores the revision request, then asks the workflow to start it: the saga decides (only a completed task can be
    /// revised) and answers. A request the workflow refuses leaves no revision behind.
    /// </summary>
    public static async Task<Results<Ok<ReviseTaskResponse>, ValidationProblem, ProblemHttpResult>> ReviseTask(
        string taskId, HttpContext httpContext, [AsParameters] TaskServices services, IRequestClient<ReviseTask> workflow,
        CancellationToken cancellationToken)
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

        var status = await services.OwnStatusAsync(taskId, cancellationToken);
        if (status is null)
        {
            return Problems.TaskNotFound(taskId);
        }
        if (!status.Value.CanBeRevised())
        {
            return Problems.Conflict("Task cannot be revised", $"Only a completed task can be revised; this task is {status.Value.Name()}.");
        }

        var revision = validated.Value!;
        if (revision.SubtaskIds.Count > 0)
        {
            // Chosen subtasks must belong to the plan the task runs now (a whole-task revision replaces the plan).
            var current = await services.Db.Subtasks.AsNoTracking()
                .Where(s => s.TaskId == taskId
                    && s.PlanRound == services.Db.Subtasks.Where(o => o.TaskId == taskId).Max(o => (int?)o.PlanRound))
                .Select(s => s.SubtaskId)
                .ToListAsync(cancellationToken);
            var unknown = revision.SubtaskIds.Where(id => !current.Contains(id)).ToList();
            if (unknown.Count > 0)
            {
                return Problems.Validation(new Dictionary<string, string[]>
                {
                    ["subtask_ids"] = [$"{string.Join(", ", unknown)} {(unknown.Count == 1 ? "is not a subtask" : "are not subtasks")} of this task's "
                        + $"current plan; GET /api/v1/tasks/{taskId} lists them."],
                });
            }
        }

        var now = services.Now();
        var revisionId = Ids.NewRevisionId();
        services.Db.Revisions.Add(new RevisionEntity
        {
            RevisionId = revisionId,
            TaskId = taskId,
            RevisionRequest = revision.RevisionRequest,
            SpecificAreas = [.. revision.SpecificAreas],
            RequestedScope = revision.Scope,
            SubtaskIds = [.. revision.SubtaskIds],
            Priority = revision.Priority,
            Status = RevisionStatus.Pending,
            CreatedAt = now.UtcDateTime,
        });
        await services.Db.SaveChangesAsync(cancellationToken);

        TaskRevisionResult result;
        try
        {
            result = (await workflow.GetResponse<TaskRevisionResult>(new ReviseTask(taskId, revisionId, revision.Priority, now), cancellationToken)).Message;
        }
        catch (RequestTimeoutException)
        {
            return Problems.WorkflowUnavailable(
                $"The workflow did not confirm revision {revisionId} in time. It may still start shortly; check the task's status before asking again.");
        }

        if (!result.Started)
        {
            // Refused: the request the Api stored does not become a revision.
            await services.Db.Revisions.Where(r => r.RevisionId == revisionId).ExecuteDeleteAsync(CancellationToken.None);
            return Problems.Conflict("Task cannot be revised", result.Message);
        }

        return TypedResults.Ok(new ReviseTaskResponse(taskId, revisionId, result.Status, result.EstimatedCompletion));
    }

    /// <summary>
    /// Server-Sent Events for clients without SignalR: first <c>task_snapshot</c> (the task as GET /tasks/{id} returns it,
    /// with its sequence), then every event after it (event name = its type, id = its sequence), at most ten sends a second;
    /// another <c>task_snapshot</c> when events did not arrive in time and the stream caught up from the stored state.
    /// </summary>
    public static async Task<Results<ServerSentEventsResult<object>, ProblemHttpResult>> StreamTaskEvents(
        string taskId, [AsParameters] TaskServices services, TaskEventStream stream, CancellationToken cancellationToken)
    {
        if (!Ids.TryParseTaskId(taskId, out _))
        {
            return Problems.TaskNotFound(taskId);
        }

        // Subscribed before the snapshot is read: every later event is either in it or arrives after it.
        var subscription = stream.Subscribe(taskId);
        var snapshot = await services.Reader.GetDetailsAsync(taskId, services.ReadableOwner, cancellationToken);
        if (snapshot is null)
        {
            subscription.Dispose();
            return Problems.TaskNotFound(taskId);
        }

        return TypedResults.ServerSentEvents(Events(snapshot, subscription, cancellationToken));
    }

    private static async IAsyncEnumerable<SseItem<object>> Events(TaskDetails snapshot, TaskEventStream.Subscription subscription,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using (subscription)
        {
            yield return new SseItem<object>(snapshot, TaskEventNames.TaskSnapshot) { EventId = snapshot.Sequence.ToString(System.Globalization.CultureInfo.InvariantCulture) };
            var last = snapshot.Sequence;
            await foreach (var batch in subscription.Reader.ReadAllAsync(cancellationToken))
            {
                // The stream caught up from the stored state (events it waited for did not come): the state replaces what the client holds.
                if (batch.Snapshot is { } caughtUp && caughtUp.Sequence > last)
                {
                    last = caughtUp.Sequence;
                    yield return new SseItem<object>(caughtUp, TaskEventNames.TaskSnapshot) { EventId = last.ToString(System.Globalization.CultureInfo.InvariantCulture) };
                }

                foreach (var taskEvent in batch.Events.Where(e => e.Sequence > last))
                {
                    last = taskEvent.Sequence;
                    yield return new SseItem<object>(taskEvent, taskEvent.Type) { EventId = last.ToString(System.Globalization.CultureInfo.InvariantCulture) };
                }
            }
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
