namespace MultiAgent.Orchestrator.Agents.Model;

/// <summary>
/// Which task, user and agent the model call in flight is for (the AiGateway bills it to them and routes it by the agent's
/// role), and its idempotency key: the same call made again (a redelivered step) is answered and billed once.
/// </summary>
public sealed record AgentCallContext(string TaskId, string AgentId, string AgentRole, string UserId, decimal? BudgetUsd, string IdempotencyKey)
{
    private static readonly AsyncLocal<AgentCallContext?> CurrentCall = new();

    public static AgentCallContext? Current => CurrentCall.Value;

    public static IDisposable Begin(TaskBrief task, string agentId, string agentRole, string idempotencyKey)
    {
        var previous = CurrentCall.Value;
        CurrentCall.Value = new AgentCallContext(task.TaskId, agentId, agentRole, task.UserId, task.BudgetUsd, idempotencyKey);
        return new Restore(previous);
    }

    private sealed class Restore(AgentCallContext? previous) : IDisposable
    {
        public void Dispose() => CurrentCall.Value = previous;
    }
}

/// <summary>Adds what the AiGateway needs to know about the current call as its headers (see the gateway's README).</summary>
public sealed class AgentCallHeadersHandler : DelegatingHandler
{
    public const string TaskHeader = "X-MultiAgent-Task-Id";
    public const string AgentHeader = "X-MultiAgent-Agent-Id";
    public const string RoleHeader = "X-MultiAgent-Agent-Role";
    public const string UserHeader = "X-MultiAgent-User-Id";
    public const string BudgetHeader = "X-MultiAgent-Task-Budget-Usd";
    public const string IdempotencyHeader = "Idempotency-Key";

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (AgentCallContext.Current is { } call)
        {
            request.Headers.TryAddWithoutValidation(TaskHeader, call.TaskId);
            request.Headers.TryAddWithoutValidation(AgentHeader, call.AgentId);
            request.Headers.TryAddWithoutValidation(RoleHeader, call.AgentRole);
            request.Headers.TryAddWithoutValidation(UserHeader, call.UserId);
            request.Headers.TryAddWithoutValidation(IdempotencyHeader, call.IdempotencyKey);
            if (call.BudgetUsd is { } budget)
            {
                request.Headers.TryAddWithoutValidation(BudgetHeader, budget.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
        }
        return base.SendAsync(request, cancellationToken);
    }
}
