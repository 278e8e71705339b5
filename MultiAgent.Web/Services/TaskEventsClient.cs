using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;
using MultiAgent.Contracts;
using MultiAgent.Contracts.Api;
using MultiAgent.Contracts.Events;
using MultiAgent.Web.Services.Auth;

namespace MultiAgent.Web.Services;

public enum LiveUpdates
{
    Connecting,
    Live,
    Reconnecting,
    Unavailable,
}

/// <summary>
/// One page's subscription on the Api's hub: to one task's events, or to the status updates of every task of the user (a
/// task list). Subscribing to a task (again after every reconnect) yields its current state with its sequence
/// (<see cref="Snapshot"/>), then each event (<see cref="Received"/>, batches unpacked in order); the page folds them into
/// what it shows (<see cref="TaskEventFold"/>). A list subscription raises <see cref="ListSubscribed"/> after every
/// (re)subscribe, so the page reads the list once to catch up, then <see cref="Received"/> for each task status update.
/// Pages poll only while not <see cref="LiveUpdates.Live"/>.
/// </summary>
public sealed class TaskEventsClient(ApiEndpoints endpoints, ApiTokenStore tokens, ILogger<TaskEventsClient> logger) : IAsyncDisposable
{
    private static readonly JsonSerializerOptions Json = JsonDefaults.Configure(new JsonSerializerOptions(JsonSerializerDefaults.Web));

    private HubConnection? connection;
    private string? taskId;
    private bool list;

    public LiveUpdates State { get; private set; } = LiveUpdates.Connecting;

    public event Func<LiveUpdates, Task>? StateChanged;
    public event Func<TaskDetails, Task>? Snapshot;
    public event Func<Task>? ListSubscribed;
    public event Func<ITaskEvent, Task>? Received;

    /// <summary>Connects and subscribes to one task. Never throws: on failure <see cref="State"/> becomes <see cref="LiveUpdates.Unavailable"/>.</summary>
    public async Task SubscribeAsync(string taskId, CancellationToken cancellationToken = default)
    {
        try
        {
            this.taskId = taskId;
            await ConnectAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Connects and subscribes to the status updates of the user's tasks (an admin's: every task). Never throws.</summary>
    public async Task SubscribeToListAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            list = true;
            await ConnectAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private async Task ConnectAsync(CancellationToken cancellationToken)
    {
        if (connection is not null)
        {
            return;
        }

        var hubUrl = await endpoints.GetHubUrlAsync(cancellationToken);
        if (hubUrl is null)
        {
            await SetStateAsync(LiveUpdates.Unavailable);
            return;
        }

        connection = new HubConnectionBuilder()
            // The Api reads the hub's bearer token from the access_token query string (WebSockets cannot send headers);
            // asked on every (re)connect, so a renewed token is used.
            .WithUrl(hubUrl, options => options.AccessTokenProvider = tokens.GetAccessTokenOrNullAsync)
            .AddJsonProtocol(options => JsonDefaults.Configure(options.PayloadSerializerOptions))
            .WithAutomaticReconnect()
            .Build();

        On<TaskStatusUpdateEvent>(TaskEventNames.TaskStatusUpdate);
        On<AgentActivityEvent>(TaskEventNames.AgentActivity);
        On<SubtaskUpdateEvent>(TaskEventNames.SubtaskUpdate);
        On<StageTransitionEvent>(TaskEventNames.StageTransition);
        On<TaskCompletedEvent>(TaskEventNames.TaskCompleted);
        On<ErrorOccurredEvent>(TaskEventNames.ErrorOccurred);
        // Mid-stream, when the Api could not deliver some events in time: the task's stored state, which replaces what is held.
        connection.On<TaskDetails>(TaskEventNames.TaskSnapshot, RaiseSnapshotAsync);
        connection.On<JsonElement>(TaskEventNames.BatchUpdate, async batch =>
        {
            foreach (var taskEvent in TaskEventJson.ParseBatch(batch, Json))
            {
                await RaiseAsync(taskEvent);
            }
        });

        connection.Reconnecting += _ => SetStateAsync(LiveUpdates.Reconnecting);
        connection.Reconnected += async _ => await SubscribeOnServerAsync(CancellationToken.None);
        connection.Closed += _ => SetStateAsync(LiveUpdates.Unavailable);

        try
        {
            await connection.StartAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            logger.LogInformation("Live updates for {Subject} are unavailable ({Reason}); the page will poll instead", Subject, ex.Message);
            await SetStateAsync(LiveUpdates.Unavailable);
            return;
        }

        await SubscribeOnServerAsync(cancellationToken);
    }

    // Hub groups belong to a connection, so a reconnected client (new connection id) subscribes again, and gets the state it missed.
    private async Task SubscribeOnServerAsync(CancellationToken cancellationToken)
    {
        try
        {
            if (list)
            {
                await connection!.InvokeAsync("SubscribeToTaskList", cancellationToken);
                await SetStateAsync(LiveUpdates.Live);
                if (ListSubscribed is { } caughtUp)
                {
                    await caughtUp();
                }

                return;
            }

            var snapshot = await connection!.InvokeAsync<TaskDetails>("Subscribe", taskId, cancellationToken);
            await SetStateAsync(LiveUpdates.Live);
            await RaiseSnapshotAsync(snapshot);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning(ex, "Subscribing to the events of {Subject} failed; the page will poll instead", Subject);
            await SetStateAsync(LiveUpdates.Unavailable);
        }
    }

    private string Subject => list ? "the task list" : taskId ?? "a task";

    private void On<TEvent>(string eventName) where TEvent : ITaskEvent =>
        connection!.On<TEvent>(eventName, e => RaiseAsync(e));

    private async Task RaiseSnapshotAsync(TaskDetails snapshot)
    {
        if (Snapshot is { } handler)
        {
            await handler(snapshot);
        }
    }

    private async Task RaiseAsync(ITaskEvent taskEvent)
    {
        if (Received is { } handler)
        {
            await handler(taskEvent);
        }
    }

    private async Task SetStateAsync(LiveUpdates state)
    {
        State = state;
        if (StateChanged is { } handler)
        {
            await handler(state);
        }
    }

    public async ValueTask DisposeAsync()
    {
        StateChanged = null;
        Snapshot = null;
        ListSubscribed = null;
        Received = null;
        if (connection is null)
        {
            return;
        }

        if (connection.State == HubConnectionState.Connected && taskId is not null)
        {
            try
            {
                await connection.InvokeAsync("Unsubscribe", taskId);
            }
            catch (Exception ex)
            {
                logger.LogDebug(ex, "Unsubscribing from {TaskId} failed; disposing the connection drops the subscription anyway", taskId);
            }
        }

        await connection.DisposeAsync();
        connection = null;
    }
}

/// <summary>Creates one <see cref="TaskEventsClient"/> per page, which the page disposes (a transient from the circuit's scope would live as long as the circuit).
/// Scoped: the clients use the circuit user's token.</summary>
public sealed class TaskEventsClientFactory(ApiEndpoints endpoints, ApiTokenStore tokens, ILoggerFactory loggerFactory)
{
    public TaskEventsClient Create() => new(endpoints, tokens, loggerFactory.CreateLogger<TaskEventsClient>());
}
