using MassTransit;
using Microsoft.Extensions.Options;
using MultiAgent.Api.Identity;
using MultiAgent.Api.RateLimiting;
using MultiAgent.Data;
using Microsoft.EntityFrameworkCore;
using MultiAgent.Contracts;

namespace MultiAgent.Api.Tasks;

/// <summary>What the task handlers need, bound with [AsParameters].</summary>
public sealed class TaskServices(
    MultiAgentDbContext db,
    ICurrentUser user,
    TaskReader reader,
    TaskResults results,
    CompletionEstimator estimator,
    IPublishEndpoint bus,
    RateLimiter limiter,
    TimeProvider time,
    IOptions<TaskApiOptions> options,
    ILogger<TaskServices> logger)
{
    // [AsParameters] binds through the constructor and wants a property for each of its parameters.
    public MultiAgentDbContext Db { get; } = db;
    public ICurrentUser User { get; } = user;
    public TaskReader Reader { get; } = reader;
    public TaskResults Results { get; } = results;
    public CompletionEstimator Estimator { get; } = estimator;
    public IPublishEndpoint Bus { get; } = bus;
    public RateLimiter Limiter { get; } = limiter;
    public TimeProvider Time { get; } = time;
    public IOptions<TaskApiOptions> Options { get; } = options;
    public ILogger<TaskServices> Logger { get; } = logger;

    public string UserId => User.UserId;

    /// <summary>Whose tasks the caller may read: their own, or anyone's (null) for an admin.</summary>
    public string? ReadableOwner => User.IsAdmin ? null : User.UserId;

    public DateTimeOffset Now() => Utc.Now(Time);

    /// <summary>The status of one of the caller's own tasks (admins too act only on their own); null when there is none.</summary>
    public async Task<TaskStatus?> OwnStatusAsync(string taskId, CancellationToken cancellationToken) =>
        Ids.TryParseTaskId(taskId, out _)
            ? await Db.Tasks.AsNoTracking()
                .Where(t => t.TaskId == taskId && t.UserId == UserId)
                .Select(t => (TaskStatus?)t.Status)
                .FirstOrDefaultAsync(cancellationToken)
            : null;

    /// <summary>
    /// Publishes on the bus, waiting at most <see cref="TaskApiOptions.PublishTimeout"/> for the broker's confirmation,
    /// and independent of the request so a caller hanging up cannot leave a message half sent.
    /// </summary>
    public async Task<bool> TryPublishAsync<T>(T message) where T : class
    {
        using var timeout = new CancellationTokenSource(Options.Value.PublishTimeout);
        try
        {
            await Bus.Publish(message, timeout.Token);
            return true;
        }
        catch (Exception ex)
        {
            Logger.LogError(ex, "Publishing {MessageType} failed: the message queue is unavailable", typeof(T).Name);
            return false;
        }
    }
}
