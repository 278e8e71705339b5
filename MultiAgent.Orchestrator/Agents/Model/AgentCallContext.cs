namespace MultiAgent.Orchestrator.Agents.Model;

/// <summary>Which task, user and agent the model call in flight is for; the AiGateway bills the call to them.</summary>
public sealed record AgentCallContext(string TaskId, string AgentId, string UserId, decimal? BudgetUsd)
{
    private static readonly AsyncLocal<AgentCallContext?> CurrentCall = new();

    public static AgentCallContext? Current => CurrentCall.Value;

    public static IDisposable Begin(TaskBrief task, string agentId)
    {
        var previous = CurrentCall.Value;
        CurrentCall.Value = new AgentCallContext(task.TaskId, agentId, task.UserId, task.BudgetUsd);
        return new Restore(previous);
    }

    private sealed class Restore(AgentCallContext? previous) : IDisposable
    {
        public void Dispose() => CurrentCall.Value = previous;
    }
}

/// <summary>Adds the task and agent of the current call as headers the AiGateway reads.</summary>
public sealed class AgentCallHeadersHandler : DelegatingHandler
{
    public const string TaskHeader = "X-MultiAgent-Task-Id";
    public const string AgentHeader = "X-MultiAgent-Agent-Id";

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (AgentCallContext.Current is { } call)
        {
            request.Headers.TryAddWithoutValidation(TaskHeader, call.TaskId);
            request.Headers.TryAddWithoutValidation(AgentHeader, call.AgentId);
        }
        return base.SendAsync(request, cancellationToken);
    }
}
