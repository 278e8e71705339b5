using Microsoft.AspNetCore.SignalR;
using Microsoft.EntityFrameworkCore;
using MultiAgent.Api.Identity;
using MultiAgent.Api.Tasks;
using MultiAgent.Contracts;
using MultiAgent.Contracts.Api;
using MultiAgent.Contracts.Events;
using MultiAgent.Data;

namespace MultiAgent.Api.RealTime;

/// <summary>
/// Real-time task events (design document, "WebSocket API"). Clients call <see cref="Subscribe"/> per task and
/// receive the events named in <see cref="TaskEventNames"/>; only the caller's own tasks can be subscribed to.
/// </summary>
public sealed class TaskHub(MultiAgentDbContext db, TimeProvider time) : Hub
{
    private const string UserIdItem = "user_id";

    public override async Task OnConnectedAsync()
    {
        var http = Context.GetHttpContext() ?? throw new HubException("The caller's identity could not be read.");
        if (!DevelopmentIdentity.TryResolve(http.Request.Headers[DevelopmentIdentity.HeaderName], http.Request.Query[DevelopmentIdentity.QueryName], out var userId, out var error))
        {
            throw new HubException(error);
        }

        Context.Items[UserIdItem] = userId;
        await base.OnConnectedAsync();
    }

    /// <summary>Joins the task's group and returns its current state, so no change between page load and subscription is missed.</summary>
    public async Task<TaskStatusUpdateEvent> Subscribe(string taskId)
    {
        var userId = (string)Context.Items[UserIdItem]!;
        var task = Ids.TryParseTaskId(taskId, out _)
            ? await db.Tasks.AsNoTracking()
                .Where(t => t.TaskId == taskId && t.UserId == userId)
                .Select(t => new { t.Status, t.Progress, t.CurrentStage, t.UpdatedAt })
                .FirstOrDefaultAsync(Context.ConnectionAborted)
            : null;
        if (task is null)
        {
            throw new HubException($"There is no task '{taskId}' for this user.");
        }

        await Groups.AddToGroupAsync(Context.ConnectionId, TaskLiveUpdates.Group(taskId), Context.ConnectionAborted);
        return new TaskStatusUpdateEvent(TaskEventNames.TaskStatusUpdate, taskId, task.Status, task.Progress, task.CurrentStage, Utc.ToOffset(task.UpdatedAt));
    }

    public Task Unsubscribe(string taskId) =>
        Groups.RemoveFromGroupAsync(Context.ConnectionId, TaskLiveUpdates.Group(taskId), Context.ConnectionAborted);

    public PongResponse Ping() => new("pong", time.GetUtcNow());
}
