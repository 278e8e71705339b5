using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;
using MultiAgent.Api.Auth;
using MultiAgent.Api.Tasks;
using MultiAgent.Contracts;
using MultiAgent.Contracts.Api;
using MultiAgent.Contracts.Events;
using MultiAgent.Data.Identity;

namespace MultiAgent.Api.RealTime;

/// <summary>
/// Real-time task events (design document, "WebSocket API"). <see cref="Subscribe"/> joins a task's events and returns the
/// task's current state with its sequence, so a client applies only the events after it. <see cref="SubscribeToTaskList"/>
/// joins the status updates of all the caller's tasks (an admin's: everyone's). Authenticated like the Api (the access token
/// comes in the <c>access_token</c> query value); a user subscribes only to their own tasks, an admin to any.
/// </summary>
[Authorize]
public sealed class TaskHub(TaskReader reader, RealtimeConnections connections, TimeProvider time) : Hub
{
    private const string CountedItem = "counted";

    private string UserId => Context.User?.FindFirstValue(AuthClaims.Subject) ?? throw new HubException("The caller is not authenticated.");

    private bool IsAdmin => Context.User!.IsInRole(RoleNames.Admin);

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

    /// <summary>
    /// Joins the task's group, then returns its current state: an event is either already in this state (its sequence is not
    /// newer than <see cref="TaskDetails.Sequence"/>) or arrives after it.
    /// </summary>
    public async Task<TaskDetails> Subscribe(string taskId)
    {
        if (!Ids.TryParseTaskId(taskId, out _))
        {
            throw new HubException($"There is no task '{taskId}' for this user.");
        }

        var group = TaskEventStream.TaskGroup(taskId);
        await Groups.AddToGroupAsync(Context.ConnectionId, group, Context.ConnectionAborted);
        var details = await reader.GetDetailsAsync(taskId, IsAdmin ? null : UserId, Context.ConnectionAborted);
        if (details is null)
        {
            await Groups.RemoveFromGroupAsync(Context.ConnectionId, group);
            throw new HubException($"There is no task '{taskId}' for this user.");
        }
        return details;
    }

    public Task Unsubscribe(string taskId) =>
        Groups.RemoveFromGroupAsync(Context.ConnectionId, TaskEventStream.TaskGroup(taskId), Context.ConnectionAborted);

    /// <summary>Joins the <c>task_status_update</c> events of every task of the caller (an admin: of every task).</summary>
    public async Task SubscribeToTaskList()
    {
        await Groups.AddToGroupAsync(Context.ConnectionId, TaskEventStream.UserGroup(UserId), Context.ConnectionAborted);
        if (IsAdmin)
        {
            await Groups.AddToGroupAsync(Context.ConnectionId, TaskEventStream.AdminGroup, Context.ConnectionAborted);
        }
    }

    public PongResponse Ping() => new("pong", time.GetUtcNow());
}
