using MultiAgent.Api.Tasks;
using MultiAgent.Contracts.Api;

namespace MultiAgent.Api.RealTime;

/// <summary>Reads a task's stored state with its sequence, for a live stream that has to catch up (<see cref="TaskEventStream"/>).</summary>
public interface ITaskSnapshots
{
    /// <summary>The task as <c>GET /api/v1/tasks/{id}</c> returns it to an admin, or null when it does not exist.</summary>
    Task<TaskDetails?> ReadAsync(string taskId, CancellationToken cancellationToken);
}

/// <summary>Reads through <see cref="TaskReader"/> in a scope of its own (the stream is a singleton).</summary>
public sealed class TaskSnapshots(IServiceScopeFactory scopes) : ITaskSnapshots
{
    public async Task<TaskDetails?> ReadAsync(string taskId, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<TaskReader>().GetDetailsAsync(taskId, ownerId: null, cancellationToken);
    }
}
