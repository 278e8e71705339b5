using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;
using Microsoft.EntityFrameworkCore;
using MultiAgent.Api.Auth;
using MultiAgent.Api.Tasks;
using MultiAgent.Contracts;
using MultiAgent.Contracts.Api;
using MultiAgent.Contracts.Events;
using MultiAgent.Data;
using MultiAgent.Data.Identity;

namespace MultiAgent.Api.RealTime;

/// <summary>
/// Real-time task events (design document, "WebSocket API"). Clients call <see cref="Subscribe"/> per task and
/// receive the events named in <see cref="TaskEventNames"/>. Authenticated like the Api (the access token comes in
/// the <c>access_token</c> query value); a user subscribes only to their own tasks, an admin to any.
/// </summary>
[Authorize]
public sealed class TaskHub(MultiAgentDbContext db, RealtimeConnections connections, TimeProvider time) : Hub
{
    private const string CountedItem = "counted";

    private string UserId => Context.User?.FindFirstValue(AuthClaims.Subject) ?? throw new HubException("The caller is not authenticated.");

    public override async Task OnConnectedAsync()
    {
        if (!await connections.TryOpenAsync(UserId, Context.ConnectionId))
        {
            throw new HubException($"Too many real-time connections: at most {connections.Limit} per user. Close another tab or connection first.");
        }

        Context.Items[CountedItem] = true;
        await base.OnConnectedAsync();
    }

    public override async Task OnDisconnectedAsync(Exception? exception)
    {
        if (Context.Items.ContainsKey(CountedItem))
        {
            await connections.CloseAsync(UserId, Context.ConnectionId);
        }
        await base.OnDisconnectedAsync(exception);
    }

    /// <summary>Joins the task's group and returns its current state, so no change between page load and subscription is missed.</summary>
    public async Task<TaskStatusUpdateEvent> Subscribe(string taskId)
    {
        var userId = UserId;
        var isAdmin = Context.User!.IsInRole(RoleNames.Admin);
        var task = Ids.TryParseTaskId(taskId, out _)
            ? await db.Tasks.AsNoTracking()
                .Where(t => t.TaskId == taskId && (isAdmin || t.UserId == userId))
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
