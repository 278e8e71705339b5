using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.AI;
using MultiAgent.AiGateway.Budgets;
using MultiAgent.AiGateway.Caching;
using MultiAgent.AiGateway.Diagnostics;
using MultiAgent.AiGateway.Idempotency;
using MultiAgent.AiGateway.Ledger;
using MultiAgent.AiGateway.Limits;
using MultiAgent.AiGateway.Pipeline;
using MultiAgent.AiGateway.Protocol;
using MultiAgent.AiGateway.Providers;
using MultiAgent.AiGateway.Routing;

namespace MultiAgent.AiGateway.Apis;

/// <summary>
/// One call in flight and how it ends: each ending (answered, failed, abandoned by the caller) writes exactly one ledger
/// entry, settles the budget reservation and the rate-limit tokens, records telemetry, and (answered only) keeps the
/// answer for the idempotency key.
/// </summary>
internal sealed partial class Call(
    GatewayServices services, HttpContext http, ChatCompletionRequest request, CallerHeaders caller, ResolvedRoute route, string id, long created, long started)
{
    public GatewayServices Services { get; } = services;
    public HttpContext Http { get; } = http;
    public ChatCompletionRequest Request { get; } = request;
    public CallerHeaders Caller { get; } = caller;
    public ResolvedRoute Route { get; } = route;
    public string Id { get; } = id;
    public long Created { get; } = created;
    public Activity? Activity { get; set; }
    public bool OwnsIdempotencyKey { get; set; }
    public bool Succeeded { get; private set; }

    /// <summary>What an idempotency key is bound to: the route and everything that changes the answer.</summary>
    public string RequestHash => CacheKey.Compute("idempotency", Route.Name, Request);

    private ModelProvider? _provider;

    public ChatOptions OptionsFor(ModelProvider provider, string model)
    {
        var options = OpenAIMapping.ToChatOptions(Request, model);
        if (provider.Type == AiProviderTypes.OpenAI && Request.User is { } user)
        {
            options.RawRepresentationFactory = _ => new OpenAI.Chat.ChatCompletionOptions { EndUserId = user };
        }
        return options;
    }

    public void SetAnsweredBy(ModelProvider provider, CallAttempts attempts)
    {
        _provider = provider;
        Http.Response.Headers[ChatCompletionsApi.ProviderHeader] = provider.Name;
        Http.Response.Headers[ChatCompletionsApi.AttemptsHeader] = attempts.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Usage when the provider reported none: characters / 4, logged.</summary>
    public UsageDetails EstimateUsage(int outputChars)
    {
        LogUsageEstimated(Services.Logger, _provider?.Name ?? "?");
        var input = Math.Max(1, (Request.Messages.Sum(m => (long)m.Text.Length) + 3) / 4);
        var output = Math.Max(0, (outputChars + 3) / 4);
        return new UsageDetails { InputTokenCount = input, OutputTokenCount = output, TotalTokenCount = input + output };
    }

    public void StoreInCache(RouteTarget target, StoredAnswer answer)
    {
        if (Services.Cache.Enabled && Caller.WriteCache && answer.FinishReason != "error")
        {
            Services.Cache.Set(CacheKey.Compute(target.Provider, target.ModelFor(Request.Model), Request), answer);
        }
    }

    public async Task CompleteAsync(StoredAnswer answer, bool cacheHit, CallAttempts? attempts, decimal? costUsd, int cachedInputTokens,
        BudgetReservation budget, RateLimitLease lease)
    {
        var entry = Entry(
            provider: answer.Provider, model: answer.Model, outcome: UsageQueries.Ok,
            inputTokens: cacheHit ? 0 : answer.InputTokens, cachedInputTokens: cacheHit ? 0 : cachedInputTokens,
            outputTokens: cacheHit ? 0 : answer.OutputTokens, cost: cacheHit ? 0m : costUsd,
            finishReason: answer.FinishReason, cacheHit: cacheHit, attempts: attempts);
        Services.Ledger.Record(entry);
        await SettleAsync(budget, entry.CostUsd ?? 0m, lease, entry.InputTokens + entry.OutputTokens);

        if (OwnsIdempotencyKey)
        {
            await Services.Idempotency.CompleteAsync(Caller.IdempotencyKey!, new IdempotencyRecord(RequestHash, Id, answer, entry));
        }
        Succeeded = true;

        GatewayTelemetry.RecordCall(Activity, answer.Provider, Request.Model, answer.Model, entry.InputTokens, entry.OutputTokens, entry.CostUsd,
            answer.FinishReason, cacheHit, entry.Fallback, entry.Attempts, Stopwatch.GetElapsedTime(started), null, null);
        if (Services.Options.CurrentValue.Telemetry.CaptureContent)
        {
            GatewayTelemetry.RecordContent(Activity, JsonSerializer.Serialize(Request.Messages.Select(m => new { role = m.Role, content = m.Text })), answer.Text);
        }
        LogCompleted(Services.Logger, answer.Provider, answer.Model, Route.Name, entry.InputTokens, entry.OutputTokens, entry.LatencyMs, cacheHit,
            entry.Attempts, Caller.TaskId, Caller.AgentId);
    }

    public async Task FailAsync(GatewayError error, CallAttempts? attempts, BudgetReservation budget, RateLimitLease lease = default,
        int outputChars = 0, string? model = null)
    {
        // A stream cut after part of the answer was billed by the provider: estimate it rather than record nothing.
        var partial = outputChars > 0;
        var provider = attempts?.Provider ?? Services.Providers.Find(Route.Targets[0].Provider)!;
        var usage = partial ? EstimateUsage(outputChars) : null;
        var modelName = model ?? (attempts?.Target ?? Route.Targets[0]).ModelFor(Request.Model);
        var cost = usage is null ? 0m : provider.IsBilled ? Services.Prices.Cost(modelName, ChatCompletionsApi.Clamp(usage.InputTokenCount), ChatCompletionsApi.Clamp(usage.OutputTokenCount)) : 0m;
        var entry = Entry(provider.Name, modelName, error.Code, ChatCompletionsApi.Clamp(usage?.InputTokenCount), 0, ChatCompletionsApi.Clamp(usage?.OutputTokenCount),
            cost, finishReason: partial ? "error" : null, cacheHit: false, attempts);
        Services.Ledger.Record(entry);
        await SettleAsync(budget, cost ?? 0m, lease, entry.InputTokens + entry.OutputTokens);
        GatewayTelemetry.RecordCall(Activity, provider.Name, Request.Model, modelName, entry.InputTokens, entry.OutputTokens, cost, null, false,
            entry.Fallback, entry.Attempts, Stopwatch.GetElapsedTime(started), error.Code, error.Status);
        LogFailed(Services.Logger, Route.Name, error.Status, error.Code, entry.Attempts, Caller.TaskId, Caller.AgentId);
    }

    public Task AbandonAsync(CallAttempts attempts, BudgetReservation budget, int outputChars, RateLimitLease lease = default)
    {
        LogCallerAborted(Services.Logger, Route.Name, Caller.TaskId);
        return FailAsync(new GatewayError(499, "client_closed_request", "cancelled", "The caller closed the connection.", false), attempts, budget, lease, outputChars);
    }

    private async Task SettleAsync(BudgetReservation budget, decimal cost, RateLimitLease lease, long tokens)
    {
        try
        {
            await Services.Budgets.SettleAsync(budget, cost);
        }
        catch (Exception ex) when (ex is StackExchange.Redis.RedisException or TimeoutException)
        {
            LogSettleFailed(Services.Logger, ex.GetType().Name, Caller.TaskId);
        }
        if (_provider is { } provider && lease.Acquired)
        {
            await Services.Limiter.SettleAsync(provider.Name, lease, tokens);
        }
    }

    private LedgerEntry Entry(string provider, string model, string outcome, int inputTokens, int cachedInputTokens, int outputTokens, decimal? cost,
        string? finishReason, bool cacheHit, CallAttempts? attempts) => new()
    {
        CallId = Id,
        IdempotencyKey = Caller.IdempotencyKey,
        TaskId = Caller.TaskId,
        AgentId = Caller.AgentId,
        AgentRole = Caller.AgentRole,
        UserId = Caller.UserId,
        Route = Route.Name,
        Provider = provider,
        Model = model,
        RequestedModel = Request.Model,
        InputTokens = inputTokens,
        CachedInputTokens = cachedInputTokens,
        OutputTokens = outputTokens,
        CostUsd = cost,
        LatencyMs = (int)Stopwatch.GetElapsedTime(started).TotalMilliseconds,
        Outcome = outcome,
        FinishReason = finishReason,
        CacheHit = cacheHit,
        Stream = Request.Stream,
        Attempts = attempts?.Count ?? 0,
        Fallback = attempts?.Fallback ?? false,
        CreatedAt = Services.Time.GetUtcNow().UtcDateTime,
    };

    // ---- logs: never prompt or answer text, never a key ----

    [LoggerMessage(Level = LogLevel.Debug, Message = "Chat completion by {Provider}/{Model} on route {Route}: {InputTokens} input + {OutputTokens} output tokens in {ElapsedMs} ms (cache hit {CacheHit}, {Attempts} attempts; task {TaskId}, agent {AgentId})")]
    private static partial void LogCompleted(ILogger logger, string provider, string model, string route, int inputTokens, int outputTokens, int elapsedMs, bool cacheHit, int attempts, string? taskId, string? agentId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Chat completion on route {Route} failed: {Status} {Code} after {Attempts} attempts (task {TaskId}, agent {AgentId})")]
    private static partial void LogFailed(ILogger logger, string route, int status, string code, int attempts, string? taskId, string? agentId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Provider {Provider} reported no token usage; usage estimated from characters")]
    private static partial void LogUsageEstimated(ILogger logger, string provider);

    [LoggerMessage(Level = LogLevel.Information, Message = "The caller closed a call on route {Route} before its end (task {TaskId})")]
    private static partial void LogCallerAborted(ILogger logger, string route, string? taskId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not settle the budget of a call ({Error}; task {TaskId}); its reservation stays held")]
    private static partial void LogSettleFailed(ILogger logger, string error, string? taskId);
}
