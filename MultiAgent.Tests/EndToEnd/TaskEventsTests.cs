using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.ServerSentEvents;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;
using MultiAgent.Contracts;
using MultiAgent.Contracts.Api;
using MultiAgent.Contracts.Events;
using MultiAgent.Orchestrator.Agents;
using MultiAgent.Tests.Scenarios;

namespace MultiAgent.Tests.EndToEnd;

/// <summary>
/// The task events as a client receives them, on the real platform: over SignalR and over Server-Sent Events, for a task that
/// completes and for tasks cancelled at several stages. Sequences only rise, nothing after the cancellation says otherwise,
/// and the events folded into the first state give exactly what GET /tasks/{id} returns at the end.
/// </summary>
[Collection(ScriptedCollection.Name)]
[Trait("Category", "AppHost")]
public class TaskEventsTests(ScriptedPlatform platform)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly JsonSerializerOptions Json = JsonDefaults.Configure(new JsonSerializerOptions(JsonSerializerDefaults.Web));

    /// <summary>
    /// A <c>task_snapshot</c> received after the first: the Api caught up from the stored state because events it waited for
    /// did not arrive in time. Kept in the event list so the fold replaces the held state with it, as a client does.
    /// </summary>
    internal sealed record CaughtUp(TaskDetails Task) : ITaskEvent
    {
        public string Type => TaskEventNames.TaskSnapshot;
        public string TaskId => Task.TaskId;
        public long Sequence => Task.Sequence;
        public DateTimeOffset Timestamp => Task.UpdatedAt;
    }

    /// <summary>The last thing a stream sends for a task: task_completed, or a caught-up state of a finished task that covers it.</summary>
    internal static bool IsEnd(ITaskEvent e) => e is TaskCompletedEvent || e is CaughtUp { Task.Status: var status } && status.IsTerminal();

    /// <summary>Everything one hub connection received for a task, in arrival order, after its Subscribe snapshot.</summary>
    internal sealed class HubListener : IAsyncDisposable
    {
        private readonly HubConnection _hub;
        private readonly ConcurrentQueue<ITaskEvent> _events = new();

        public HubListener(HubConnection hub)
        {
            _hub = hub;
            void On<T>(string name) where T : ITaskEvent => hub.On<T>(name, e => _events.Enqueue(e));
            On<TaskStatusUpdateEvent>(TaskEventNames.TaskStatusUpdate);
            On<AgentActivityEvent>(TaskEventNames.AgentActivity);
            On<SubtaskUpdateEvent>(TaskEventNames.SubtaskUpdate);
            On<StageTransitionEvent>(TaskEventNames.StageTransition);
            On<TaskCompletedEvent>(TaskEventNames.TaskCompleted);
            On<ErrorOccurredEvent>(TaskEventNames.ErrorOccurred);
            hub.On<TaskDetails>(TaskEventNames.TaskSnapshot, snapshot => _events.Enqueue(new CaughtUp(snapshot)));
            hub.On<JsonElement>(TaskEventNames.BatchUpdate, batch =>
            {
                foreach (var e in TaskEventJson.ParseBatch(batch, Json)) _events.Enqueue(e);
            });
        }

        public TaskDetails? Snapshot { get; private set; }

        public IReadOnlyList<ITaskEvent> Events => [.. _events];

        public async Task SubscribeAsync(string taskId)
        {
            await _hub.StartAsync(Ct);
            Snapshot = await _hub.InvokeAsync<TaskDetails>("Subscribe", taskId, Ct);
        }

        public async Task<T> WaitForAsync<T>(Func<T, bool> match, TimeSpan timeout) where T : class, ITaskEvent
        {
            var deadline = DateTime.UtcNow + timeout;
            while (DateTime.UtcNow < deadline)
            {
                if (_events.OfType<T>().FirstOrDefault(match) is { } found) return found;
                await Task.Delay(20, Ct);
            }
            throw new TimeoutException($"No matching {typeof(T).Name} arrived; received: {string.Join(", ", _events.Select(e => $"{e.Sequence}:{e.Type}"))}");
        }

        /// <summary>Waits for the end of the task's stream (<see cref="IsEnd"/>).</summary>
        public Task<ITaskEvent> WaitForEndAsync(TimeSpan timeout) => WaitForAsync<ITaskEvent>(IsEnd, timeout);

        public ValueTask DisposeAsync() => _hub.DisposeAsync();
    }

    /// <summary>The SSE stream of a task, read to its end event in the background.</summary>
    internal static async Task<(TaskDetails Snapshot, List<ITaskEvent> Events)> ReadSseAsync(HttpClient api, string taskId, TaskCompletionSource opened)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/tasks/{taskId}/events");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(PlatformFixture.TaskTimeout);
        using var response = await api.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        await using var body = await response.Content.ReadAsStreamAsync(timeout.Token);

        TaskDetails? snapshot = null;
        var events = new List<ITaskEvent>();
        await foreach (var item in SseParser.Create(body).EnumerateAsync(timeout.Token))
        {
            if (item.EventType == TaskEventNames.TaskSnapshot && snapshot is not null)
            {
                var caughtUp = new CaughtUp(JsonSerializer.Deserialize<TaskDetails>(item.Data, Json)!);
                Assert.Equal(caughtUp.Sequence.ToString(System.Globalization.CultureInfo.InvariantCulture), item.EventId);
                events.Add(caughtUp);
                if (IsEnd(caughtUp)) break;
                continue;
            }

            if (item.EventType == TaskEventNames.TaskSnapshot)
            {
                snapshot = JsonSerializer.Deserialize<TaskDetails>(item.Data, Json);
                Assert.Equal(snapshot!.Sequence.ToString(System.Globalization.CultureInfo.InvariantCulture), item.EventId);
                opened.TrySetResult();
                continue;
            }

            var taskEvent = TaskEventJson.Parse(JsonDocument.Parse(item.Data).RootElement, Json)
                            ?? throw new InvalidOperationException($"Unknown event {item.EventType}");
            Assert.Equal(taskEvent.Type, item.EventType);
            Assert.Equal(taskEvent.Sequence.ToString(System.Globalization.CultureInfo.InvariantCulture), item.EventId);
            events.Add(taskEvent);
            if (IsEnd(taskEvent)) break;
        }
        return (snapshot ?? throw new InvalidOperationException("The stream had no snapshot."), events);
    }

    /// <summary>What every client must be able to rely on, checked for one stream of events after its snapshot.</summary>
    internal static TaskDetails AssertConsistent(TaskDetails snapshot, IReadOnlyList<ITaskEvent> events, TaskDetails final)
    {
        // Delivered strictly rising (the coalescing may skip superseded status events). Events sent between joining the task's
        // group and reading the snapshot may already be in it: a client ignores those, so this check does too.
        var sequences = events.Select(e => e.Sequence).ToList();
        Assert.True(sequences.Zip(sequences.Skip(1)).All(p => p.First < p.Second), $"Sequences not rising: {string.Join(",", sequences)}");
        events = [.. events.Where(e => e.Sequence > snapshot.Sequence)];
        Assert.NotEmpty(events);

        // Ends with the end of the task, and nothing after a cancellation says otherwise.
        Assert.True(IsEnd(events[^1]), $"The stream ended with {events[^1].Type}");
        Assert.Equal(final.Status, events[^1] is CaughtUp caughtUp ? caughtUp.Task.Status : ((TaskCompletedEvent)events[^1]).Status);
        var cancelledAt = events.ToList().FindIndex(e => e is TaskStatusUpdateEvent { Status: TaskStatus.Cancelled } or StageTransitionEvent { ToStage: TaskStage.Cancelled });
        if (cancelledAt >= 0)
        {
            foreach (var later in events.Skip(cancelledAt))
            {
                Assert.False(later is TaskStatusUpdateEvent s && s.Status != TaskStatus.Cancelled, $"{later.Sequence}: status after cancelled");
                Assert.False(later is StageTransitionEvent t && t.ToStage != TaskStage.Cancelled, $"{later.Sequence}: stage after cancelled");
                Assert.False(later is SubtaskUpdateEvent u && u.Status is SubtaskStatus.InProgress or SubtaskStatus.InReview, $"{later.Sequence}: subtask still working");
                Assert.False(later is CaughtUp c && c.Task.Status != TaskStatus.Cancelled, $"{later.Sequence}: caught-up state after cancelled");
            }
        }

        // Folding the events into the snapshot gives what the Api returns.
        var state = events.Aggregate(snapshot, (held, e) => e is CaughtUp c ? TaskEventFold.Newer(held, c.Task) : TaskEventFold.Apply(held, e).State);
        Assert.Equal(final.Sequence, state.Sequence);
        Assert.Equal((final.Status, final.Progress, final.CurrentStage, final.Error, final.CompletedAt),
            (state.Status, state.Progress, state.CurrentStage, state.Error, state.CompletedAt));
        // Compared by id: a subtask first seen in an event is appended, the Api lists them in plan order.
        Assert.Equal(final.Subtasks.OrderBy(s => s.SubtaskId, StringComparer.Ordinal).Select(s => (s.SubtaskId, s.Status, s.Version, s.Score, s.AcceptanceStatus)),
            state.Subtasks.OrderBy(s => s.SubtaskId, StringComparer.Ordinal).Select(s => (s.SubtaskId, s.Status, s.Version, s.Score, s.AcceptanceStatus)));
        return state;
    }

    [Fact]
    public async Task A_completing_task_streams_ordered_events_over_SignalR_and_SSE_that_end_at_the_Apis_state()
    {
        var user = await platform.RegisterUserAsync();
        using var api = platform.CreateClient(user.Tokens.AccessToken);
        // Slow enough that the subscriptions are in place before the work starts.
        var title = $"Streamed task {Guid.NewGuid():N}";
        platform.Script(title).Latency = TimeSpan.FromMilliseconds(150);
        var created = await PlatformFixture.SubmitAsync(api, title, "Compare two approaches to caching.");

        await using var hub = new HubListener(platform.CreateHub(user.Tokens.AccessToken));
        await hub.SubscribeAsync(created.TaskId);
        var opened = new TaskCompletionSource();
        var sse = ReadSseAsync(api, created.TaskId, opened);
        await opened.Task.WaitAsync(TimeSpan.FromSeconds(30), Ct);

        await hub.WaitForEndAsync(PlatformFixture.TaskTimeout);
        var (sseSnapshot, sseEvents) = await sse;
        var final = (await api.GetFromJsonAsync<TaskDetails>($"/api/v1/tasks/{created.TaskId}", JsonDefaults.Options, Ct))!;

        Assert.Equal(TaskStatus.Completed, final.Status);
        var overHub = AssertConsistent(hub.Snapshot!, hub.Events, final);
        var overSse = AssertConsistent(sseSnapshot, sseEvents, final);
        Assert.Equal(overHub.Sequence, overSse.Sequence);
        Assert.Contains(hub.Events, e => e is AgentActivityEvent { AgentType: AgentTypes.Manager });
        Assert.Contains(sseEvents, e => e is StageTransitionEvent { ToStage: TaskStage.Coordination });
    }

    [Theory]
    [InlineData(TaskStage.TaskAnalysis)]
    [InlineData(TaskStage.SpecialistExecution)]
    [InlineData(TaskStage.Synthesis)]
    public async Task A_task_cancelled_at_a_stage_ends_cancelled_there_and_no_later_event_says_otherwise(TaskStage stage)
    {
        var user = await platform.RegisterUserAsync();
        using var api = platform.CreateClient(user.Tokens.AccessToken);
        var title = $"Cancelled in {stage} {Guid.NewGuid():N}";
        // The stage's first model call is held until the task has been cancelled, so the cancellation lands in that stage.
        var script = platform.Script(title);
        script.Latency = TimeSpan.FromMilliseconds(100);
        var held = stage switch
        {
            TaskStage.TaskAnalysis => script.Hold<TaskAnalysisAnswer>(),
            TaskStage.SpecialistExecution => script.Hold<SpecialistAnswer>(),
            TaskStage.Synthesis => script.Hold<SynthesisAnswer>(),
            _ => throw new ArgumentOutOfRangeException(nameof(stage)),
        };
        var created = await PlatformFixture.SubmitAsync(api, title, "Plan a small conference for 200 people.");

        await using var hub = new HubListener(platform.CreateHub(user.Tokens.AccessToken));
        await hub.SubscribeAsync(created.TaskId);
        var opened = new TaskCompletionSource();
        var sse = ReadSseAsync(api, created.TaskId, opened);
        await opened.Task.WaitAsync(TimeSpan.FromSeconds(30), Ct);

        await held.Reached.WaitAsync(PlatformFixture.TaskTimeout, Ct);
        var cancel = await api.DeleteAsync($"/api/v1/tasks/{created.TaskId}", Ct);
        Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        var body = (await cancel.Content.ReadFromJsonAsync<CancelTaskResponse>(JsonDefaults.Options, Ct))!;
        Assert.Equal(TaskStatus.Cancelled, body.Status);
        held.Release();

        await hub.WaitForEndAsync(TimeSpan.FromSeconds(30));
        var (sseSnapshot, sseEvents) = await sse;
        // Results of steps that were running when the task was cancelled arrive and change nothing.
        await Task.Delay(1500, Ct);
        var final = (await api.GetFromJsonAsync<TaskDetails>($"/api/v1/tasks/{created.TaskId}", JsonDefaults.Options, Ct))!;

        Assert.Equal((TaskStatus.Cancelled, TaskStage.Cancelled, stage), (final.Status, final.CurrentStage, final.StoppedAtStage));
        Assert.NotNull(final.CompletedAt);
        Assert.DoesNotContain(final.Subtasks, s => s.Status is SubtaskStatus.InProgress or SubtaskStatus.InReview or SubtaskStatus.Assigned);
        AssertConsistent(hub.Snapshot!, hub.Events, final);
        AssertConsistent(sseSnapshot, sseEvents, final);

        var result = (await api.GetFromJsonAsync<TaskResultResponse>($"/api/v1/tasks/{created.TaskId}/result", JsonDefaults.Options, Ct))!;
        Assert.Equal((TaskStatus.Cancelled, final.CompletedAt), (result.Status, result.CompletedAt));
        Assert.Equal(HttpStatusCode.Conflict, (await api.DeleteAsync($"/api/v1/tasks/{created.TaskId}", Ct)).StatusCode);
    }

    [Fact]
    public async Task The_task_list_subscription_gets_the_status_of_each_of_the_users_tasks()
    {
        var user = await platform.RegisterUserAsync();
        using var api = platform.CreateClient(user.Tokens.AccessToken);
        await using var hub = new HubListener(platform.CreateHub(user.Tokens.AccessToken));
        await hub.SubscribeAsync((await PlatformFixture.SubmitAsync(api, "First", "Summarise a short article about tea.")).TaskId);
        var listHub = platform.CreateHub(user.Tokens.AccessToken);
        var statuses = new ConcurrentQueue<TaskStatusUpdateEvent>();
        listHub.On<TaskStatusUpdateEvent>(TaskEventNames.TaskStatusUpdate, e => statuses.Enqueue(e));
        await listHub.StartAsync(Ct);
        await listHub.InvokeAsync("SubscribeToTaskList", Ct);

        var second = await PlatformFixture.SubmitAsync(api, "Second", "Summarise a short article about coffee.");
        await PlatformFixture.WaitForStatusAsync(api, second.TaskId, t => t.Status.IsTerminal(), PlatformFixture.TaskTimeout);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (DateTime.UtcNow < deadline && !statuses.Any(s => s.TaskId == second.TaskId && s.Status == TaskStatus.Completed))
        {
            await Task.Delay(50, Ct);
        }
        Assert.Contains(statuses, s => s.TaskId == second.TaskId && s.Status == TaskStatus.Completed);

        // Another user's tasks are not in this user's list.
        using var other = await platform.CreateUserClientAsync();
        var foreign = await PlatformFixture.SubmitAsync(other, "Foreign", "Summarise a short article about cocoa.");
        await PlatformFixture.WaitForStatusAsync(other, foreign.TaskId, t => t.Status.IsTerminal(), PlatformFixture.TaskTimeout);
        await Task.Delay(500, Ct);
        Assert.DoesNotContain(statuses, s => s.TaskId == foreign.TaskId);
        await listHub.DisposeAsync();
    }
}
