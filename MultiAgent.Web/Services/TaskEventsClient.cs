using Microsoft.AspNetCore.SignalR.Client;
using MultiAgent.Contracts;
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
/// One page's subscription to a task's real-time events on the Api's hub. Events are hints: the page re-reads the
/// task from the Api when one arrives, and polls instead while <see cref="State"/> is not <see cref="LiveUpdates.Live"/>.
/// </summary>
public sealed class TaskEventsClient(ApiEndpoints endpoints, ApiTokenStore tokens, ILogger<TaskEventsClient> logger) : IAsyncDisposable
{
    private HubConnection? connection;
    private string? taskId;

    public LiveUpdates State { get; private set; } = LiveUpdates.Connecting;

    public event Func<LiveUpdates, Task>? StateChanged;
    public event Func<TaskStatusUpdateEvent, Task>? StatusUpdated;
    public event Func<AgentActivityEvent, Task>? AgentActivity;
    public event Func<SubtaskUpdateEvent, Task>? SubtaskUpdated;
    public event Func<StageTransitionEvent, Task>? StageChanged;
    public event Func<TaskCompletedEvent, Task>? Completed;
    public event Func<ErrorOccurredEvent, Task>? ErrorOccurred;

    /// <summary>Connects and subscribes to one task. Never throws: on failure <see cref="State"/> becomes <see cref="LiveUpdates.Unavailable"/>.</summary>
    public async Task SubscribeAsync(string taskId, CancellationToken cancellationToken = default)
    {
        try
        {
            await ConnectAsync(taskId, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private async Task ConnectAsync(string taskId, CancellationToken cancellationToken)
    {
        if (connection is not null)
        {
            return;
        }

        this.taskId = taskId;
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

        On(TaskEventNames.TaskStatusUpdate, () => StatusUpdated);
        On(TaskEventNames.AgentActivity, () => AgentActivity);
        On(TaskEventNames.SubtaskUpdate, () => SubtaskUpdated);
        On(TaskEventNames.StageTransition, () => StageChanged);
        On(TaskEventNames.TaskCompleted, () => Completed);
        On(TaskEventNames.ErrorOccurred, () => ErrorOccurred);

        connection.Reconnecting += _ => SetStateAsync(LiveUpdates.Reconnecting);
        connection.Reconnected += async _ => await SubscribeOnServerAsync(CancellationToken.None);
        connection.Closed += _ => SetStateAsync(LiveUpdates.Unavailable);

        try
        {
            await connection.StartAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            logger.LogInformation("Live updates for {TaskId} are unavailable ({Reason}); the page will poll instead", taskId, ex.Message);
            await SetStateAsync(LiveUpdates.Unavailable);
            return;
        }

        await SubscribeOnServerAsync(cancellationToken);
    }

    // Hub groups belong to a connection, so a reconnected client (new connection id) must subscribe again.
    private async Task SubscribeOnServerAsync(CancellationToken cancellationToken)
    {
        try
        {
            await connection!.InvokeAsync("Subscribe", taskId, cancellationToken);
            await SetStateAsync(LiveUpdates.Live);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning(ex, "Subscribing to the events of {TaskId} failed; the page will poll instead", taskId);
            await SetStateAsync(LiveUpdates.Unavailable);
        }
    }

    private void On<TEvent>(string eventName, Func<Func<TEvent, Task>?> handler) =>
        connection!.On<TEvent>(eventName, async e =>
        {
            if (handler() is { } h)
            {
                await h(e);
            }
        });

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
        StatusUpdated = null;
        AgentActivity = null;
        SubtaskUpdated = null;
        StageChanged = null;
        Completed = null;
        ErrorOccurred = null;
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
