using MassTransit;
using MassTransit.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MultiAgent.Contracts;
using MultiAgent.Contracts.Events;
using MultiAgent.Contracts.Messages;
using MultiAgent.Data;
using MultiAgent.Data.Entities;
using MultiAgent.Orchestrator.Agents;
using MultiAgent.Orchestrator.Agents.Model;
using MultiAgent.Orchestrator.Extensions;
using MultiAgent.Orchestrator.Workflow;
using MultiAgent.Tests.AppHost;
using StackExchange.Redis;

namespace MultiAgent.Tests.Workflow;

/// <summary>
/// The Orchestrator's workflow in this process: the real saga on its real Postgres repository, the real agent steps, Redis
/// for cancellations and agents' status — all started by the AppHost (infrastructure only) — with MassTransit's test harness
/// (in-memory transport) carrying the messages and a <see cref="ScriptedModel"/> answering the model calls. Each test brings
/// its own task and its own script; the whole collection shares one set of servers.
/// </summary>
public sealed class WorkflowFixture : IAsyncLifetime
{
    private TestAppHost? _host;
    private ServiceProvider? _services;

    public ScriptedModel Model { get; } = new();

    public ITestHarness Harness => _services!.GetRequiredService<ITestHarness>();

    public IServiceProvider Services => _services!;

    public string RabbitMqConnectionString { get; private set; } = "";

    public async ValueTask InitializeAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        _host = await TestAppHost.CreateAsync(infrastructureOnly: true, cancellationToken: cts.Token);
        var app = await _host.StartAsync(cts.Token);
        foreach (var name in new[] { "postgres", "redis", "rabbitmq" })
        {
            await app.ResourceNotifications.WaitForResourceHealthyAsync(name, cts.Token);
        }

        var database = await app.GetConnectionStringAsync("multiagentdb", cts.Token) ?? throw new InvalidOperationException("No multiagentdb connection string.");
        var redis = await app.GetConnectionStringAsync("redis", cts.Token) ?? throw new InvalidOperationException("No redis connection string.");
        RabbitMqConnectionString = await app.GetConnectionStringAsync("rabbitmq", cts.Token) ?? "";

        var services = new ServiceCollection();
        services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
        services.AddDbContext<MultiAgentDbContext>(options => options.UseNpgsql(database));
        services.AddSingleton<IConnectionMultiplexer>(await ConnectionMultiplexer.ConnectAsync(redis));
        services.AddTaskWorkflowServices();
        services.Configure<WorkflowOptions>(options =>
            options.RetryIntervals = [TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(200)]);
        services.AddSingleton<IAgentModels>(Model);
        services.AddMassTransitTestHarness(bus => bus.AddTaskWorkflow());
        _services = services.BuildServiceProvider();

        await using (var scope = _services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<MultiAgentDbContext>().Database.MigrateAsync(cts.Token);
        }

        await _services.GetRequiredService<TaskCancellations>().StartAsync(cts.Token);
        Harness.TestTimeout = TimeSpan.FromMinutes(2);
        await Harness.Start();
    }

    public async ValueTask DisposeAsync()
    {
        if (_services is not null)
        {
            await Harness.Stop();
            await _services.DisposeAsync();
        }
        if (_host is not null) await _host.DisposeAsync();
    }

    public MultiAgentDbContext CreateDbContext() => _services!.CreateScope().ServiceProvider.GetRequiredService<MultiAgentDbContext>();

    /// <summary>Stores a task as the Api does (pending, its own user) and publishes its submission; the script is set up first.</summary>
    public async Task<string> SubmitAsync(Action<TaskScript>? script = null, string priority = Priorities.Medium, string title = "A test task",
        string description = "Work out what the test needs, in a few parts.")
    {
        var taskId = Ids.NewTaskId();
        script?.Invoke(Model.Script(taskId));
        await InsertTaskAsync(taskId, priority, title, description);
        await Harness.Bus.Publish(new TaskSubmitted(taskId, UserOf(taskId), priority, DateTimeOffset.UtcNow));
        return taskId;
    }

    public async Task InsertTaskAsync(string taskId, string priority = Priorities.Medium, string title = "A test task",
        string description = "Work out what the test needs, in a few parts.")
    {
        await using var db = CreateDbContext();
        var now = DateTime.UtcNow;
        db.Tasks.Add(new TaskEntity
        {
            TaskId = taskId,
            UserId = UserOf(taskId),
            Title = title,
            Description = description,
            Priority = priority,
            CreatedAt = now,
            UpdatedAt = now,
        });
        await db.SaveChangesAsync();
    }

    public static string UserOf(string taskId) => "user_" + taskId[^32..];

    /// <summary>Waits until the task's row satisfies <paramref name="until"/> (by default: finished), and returns it.</summary>
    public async Task<TaskEntity> WaitForAsync(string taskId, Func<TaskEntity, bool>? until = null, TimeSpan? timeout = null)
    {
        until ??= t => t.Status.IsTerminal();
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        TaskEntity? task = null;
        while (DateTime.UtcNow < deadline)
        {
            await using var db = CreateDbContext();
            task = await db.Tasks.AsNoTracking().FirstOrDefaultAsync(t => t.TaskId == taskId);
            // Events leave after the transaction commits: wait until those of the state read here are published too.
            if (task is not null && until(task) && (task.EventSequence == 0 || EventsOf(taskId).Any(e => e.Sequence == task.EventSequence))) return task;
            await Task.Delay(50);
        }
        throw new TimeoutException($"Task {taskId} did not reach the expected state; last: {task?.Status} / {task?.CurrentStage} ({task?.ErrorMessage}).");
    }

    public async Task<TaskWorkflowState?> SagaAsync(string taskId)
    {
        await using var scope = _services!.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<MultiAgentDbContext>();
        var row = await db.TaskWorkflows.AsNoTracking().FirstOrDefaultAsync(w => w.TaskId == taskId);
        return row is null ? null : System.Text.Json.JsonSerializer.Deserialize<TaskWorkflowState>(row.Data, new System.Text.Json.JsonSerializerOptions(System.Text.Json.JsonSerializerDefaults.Web)) is { } saga
            ? Fill(saga, row)
            : null;

        static TaskWorkflowState Fill(TaskWorkflowState saga, TaskWorkflowStateEntity row)
        {
            saga.CurrentState = row.CurrentState;
            saga.TaskId = row.TaskId;
            return saga;
        }
    }

    /// <summary>Every task event the workflow published for the task, in the order published.</summary>
    public IReadOnlyList<ITaskEvent> EventsOf(string taskId) =>
        [.. Harness.Published.Select(m => m.MessageObject is ITaskEvent e && e.TaskId == taskId).Select(m => (ITaskEvent)m.MessageObject)];

    /// <summary>Waits for the harness to have published a task event matching <paramref name="match"/>.</summary>
    public async Task<T> WaitForEventAsync<T>(string taskId, Func<T, bool>? match = null) where T : class, ITaskEvent
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (EventsOf(taskId).OfType<T>().FirstOrDefault(e => match?.Invoke(e) ?? true) is { } found) return found;
            await Task.Delay(25);
        }
        throw new TimeoutException($"No {typeof(T).Name} for task {taskId}.");
    }
}

[CollectionDefinition(Name)]
public sealed class WorkflowCollection : ICollectionFixture<WorkflowFixture>
{
    public const string Name = "workflow";
}
