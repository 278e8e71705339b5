using System.Diagnostics;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;
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
/// POST /v1/chat/completions, plain and streamed: route, idempotency, cache, budget, the provider chain, then one ledger
/// entry per call. The steps are in <see cref="CreateChatCompletion"/> in the order they run.
/// </summary>
public static partial class ChatCompletionsApi
{
    /// <summary>Response header naming the provider that answered (e.g. "simulated").</summary>
    public const string ProviderHeader = "X-MultiAgent-Provider";

    /// <summary>Response header naming the route the call took.</summary>
    public const string RouteHeader = "X-MultiAgent-Route";

    /// <summary>Response header: <c>hit</c> when the answer came from the response cache, <c>miss</c> or <c>bypass</c> otherwise.</summary>
    public const string CacheHeader = "x-multiagent-cache";

    /// <summary>Response header: <c>true</c> when a repeated idempotency key got the first call's stored answer (not billed again).</summary>
    public const string ReplayHeader = "x-multiagent-idempotent-replay";

    /// <summary>Response header: how many provider attempts the answer took.</summary>
    public const string AttemptsHeader = "X-MultiAgent-Attempts";

    /// <summary>Response header: this gateway process (which replica answered).</summary>
    public const string InstanceHeader = "X-MultiAgent-Instance";

    public static readonly string Instance = $"{Environment.MachineName}-{Environment.ProcessId}";

    private static readonly byte[] DoneEvent = "data: [DONE]\n\n"u8.ToArray();
    private static readonly TimeSpan IdempotencyWait = TimeSpan.FromSeconds(30);

    public static IEndpointRouteBuilder MapChatCompletionsApi(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/v1").WithTags("OpenAI-compatible").MapPost("/chat/completions", CreateChatCompletion);
        return app;
    }

    public static async Task CreateChatCompletion(HttpContext http, [AsParameters] GatewayServices services)
    {
        var cancellationToken = http.RequestAborted;
        var started = Stopwatch.GetTimestamp();
        http.Response.Headers[InstanceHeader] = Instance;

        // 1. The request and its headers.
        ChatCompletionRequest request;
        try
        {
            using var document = await JsonDocument.ParseAsync(http.Request.Body, default, cancellationToken);
            if (!ChatCompletionRequestParser.TryParse(document.RootElement, out var parsed, out var error))
            {
                await WriteErrorAsync(http, new GatewayError(400, "invalid_request_error", error!.Code, error.Message, false, Param: error.Param));
                return;
            }
            request = parsed!;
        }
        catch (JsonException ex)
        {
            await WriteErrorAsync(http, new GatewayError(400, "invalid_request_error", "invalid_json", $"The request body is not valid JSON: {ex.Message}", false));
            return;
        }

        var (caller, headerError) = CallerHeaders.Read(http.Request.Headers);
        if (headerError is not null)
        {
            await WriteErrorAsync(http, new GatewayError(400, "invalid_request_error", headerError.Code, headerError.Message, false, Param: headerError.Param));
            return;
        }

        // 2. The route.
        var route = services.Routes.Resolve(request.Model, caller!.AgentRole);
        var options = services.Options.CurrentValue;
        var call = new Call(services, http, request, caller, route, "chatcmpl-" + Guid.NewGuid().ToString("N")[..24],
            services.Time.GetUtcNow().ToUnixTimeSeconds(), started);
        http.Response.Headers[RouteHeader] = route.Name;
        using var activity = GatewayTelemetry.StartCall(request.Model, route.Name, route.Match.ToString().ToLowerInvariant(),
            caller.TaskId, caller.AgentId, caller.AgentRole, request.Stream);
        call.Activity = activity;

        try
        {
            await RunAsync(http, services, call, request, caller, route, options);
        }
        catch (Exception ex) when (ex is StackExchange.Redis.RedisException or TimeoutException && !http.Response.HasStarted)
        {
            // Limits, budgets and idempotency cannot be honoured without Redis: refuse rather than overspend or bill twice.
            LogRedisUnavailable(services.Logger, ex.GetType().Name);
            await WriteErrorAsync(http, new GatewayError(503, "server_error", GatewayErrors.DependencyUnavailable,
                "The gateway's shared store (Redis: limits, budgets, idempotency keys) is unavailable; retry after the Retry-After interval.",
                true, TimeSpan.FromSeconds(2)));
        }
        finally
        {
            if (call.OwnsIdempotencyKey && !call.Succeeded)
            {
                try
                {
                    await services.Idempotency.ReleaseAsync(caller.IdempotencyKey!, call.Id);
                }
                catch (Exception ex) when (ex is StackExchange.Redis.RedisException or TimeoutException)
                {
                    // The claim expires by itself (IdempotencyStore.ClaimTtl).
                }
            }
        }
    }

    private static async Task RunAsync(HttpContext http, GatewayServices services, Call call, ChatCompletionRequest request, CallerHeaders caller,
        ResolvedRoute route, AiGatewayOptions options)
    {
        var cancellationToken = http.RequestAborted;
        // 3. Idempotency: a repeated key gets the first call's answer and is not billed again.
        if (caller.IdempotencyKey is { } idempotencyKey)
        {
            var (outcome, record) = await ClaimIdempotencyKeyAsync(services, idempotencyKey, call.RequestHash, call.Id, cancellationToken);
            switch (outcome)
            {
                case ClaimOutcome.Completed:
                    services.Ledger.Record(record!.Entry!); // no-op when already written; writes it if the first replica died first
                    http.Response.Headers[ReplayHeader] = "true";
                    await WriteStoredAnswerAsync(call, record.Answer!, cacheHit: false);
                    return;
                case ClaimOutcome.InProgress:
                    await WriteErrorAsync(http, new GatewayError(409, "invalid_request_error", GatewayErrors.IdempotencyKeyInUse,
                        "A call with this Idempotency-Key is still running; retry after the Retry-After interval to get its answer.", true, TimeSpan.FromSeconds(1)));
                    return;
                case ClaimOutcome.Mismatch:
                    await WriteErrorAsync(http, new GatewayError(422, "invalid_request_error", GatewayErrors.IdempotencyKeyReused,
                        "This Idempotency-Key was already used for a different request; use a new key for every new request (a re-ask is a new request).",
                        false, Param: CallerHeaders.IdempotencyKey_));
                    return;
            }
            call.OwnsIdempotencyKey = true;
        }
        // The claim is renewed while this call runs; should this gateway die, it lapses and the caller's retry runs afresh.
        await using var claim = call.OwnsIdempotencyKey ? services.Idempotency.KeepClaimed(caller.IdempotencyKey!) : null;

        {
            // 4. The response cache: every target of the route, in one round trip.
            var cacheKeys = route.Targets.Select(t => CacheKey.Compute(t.Provider, t.ModelFor(request.Model), request)).ToList();
            var useCache = services.Cache.Enabled;
            if (useCache && caller.ReadCache && await services.Cache.GetAsync(cacheKeys) is { } hit)
            {
                GatewayTelemetry.RecordCacheLookup(hit: true);
                http.Response.Headers[CacheHeader] = "hit";
                await call.CompleteAsync(hit.Answer, cacheHit: true, attempts: null, costUsd: 0m, cachedInputTokens: 0, budget: BudgetReservation.None, lease: default);
                await WriteStoredAnswerAsync(call, hit.Answer, cacheHit: true);
                return;
            }
            if (useCache)
            {
                GatewayTelemetry.RecordCacheLookup(hit: false);
                http.Response.Headers[CacheHeader] = caller.ReadCache ? "miss" : "bypass";
            }

            // 5. Budgets: reserve the most this call can cost in every scope that applies, or refuse it.
            var messages = OpenAIMapping.ToChatMessages(request);
            var inputEstimate = EstimateInputTokens(request);
            var maxOutput = request.MaxTokens ?? options.Budgets.DefaultMaxOutputTokens;
            var budget = BudgetReservation.None;
            var scopes = new List<BudgetScope>();
            if (caller.TaskId is { } taskId && caller.TaskBudgetUsd is { } taskBudget) scopes.Add(BudgetScope.Task(taskId, taskBudget));
            if (caller.UserId is { } userId && options.Budgets.UserDailyUsd is { } userBudget) scopes.Add(BudgetScope.UserDay(userId, userBudget, services.Time.GetUtcNow()));
            if (scopes.Count > 0)
            {
                var maxCost = route.Targets
                    .Select(t => services.Providers.Find(t.Provider) is { IsBilled: true } ? services.Prices.MaxCost(t.ModelFor(request.Model), inputEstimate, maxOutput) : 0m)
                    .DefaultIfEmpty(0m).Max();
                var (reservation, denial) = await services.Budgets.ReserveAsync(scopes, maxCost);
                if (denial is not null)
                {
                    var error = BudgetError(denial);
                    await call.FailAsync(error, null, BudgetReservation.None);
                    await WriteErrorAsync(http, error);
                    return;
                }
                budget = reservation!;
            }

            // 6. The providers, along the route's fallback chain.
            var tokenReservation = inputEstimate + maxOutput;
            if (request.Stream)
            {
                await StreamAsync(call, messages, tokenReservation, budget);
            }
            else
            {
                await CompleteAsync(call, messages, tokenReservation, budget);
            }
        }
    }

    private static async Task CompleteAsync(Call call, List<ChatMessage> messages, long tokenReservation, BudgetReservation budget)
    {
        var attempts = new CallAttempts();
        CompletedAnswer? answer;
        try
        {
            answer = await call.Services.Executor.CompleteAsync(call.Route, call.Request.Model, messages, call.OptionsFor, tokenReservation, attempts, call.Http.RequestAborted);
        }
        catch (OperationCanceledException) when (call.Http.RequestAborted.IsCancellationRequested)
        {
            await call.AbandonAsync(attempts, budget, outputChars: 0);
            return;
        }

        if (answer is null)
        {
            var error = GatewayErrors.FromFailures(call.Route, attempts.Failures);
            await call.FailAsync(error, attempts, budget);
            await WriteErrorAsync(call.Http, error);
            return;
        }

        var response = answer.Response;
        var model = response.ModelId is { Length: > 0 } m ? m : answer.Model;
        var usage = response.Usage ?? call.EstimateUsage(response.Text.Length);
        var stored = new StoredAnswer(response.Text, OpenAIMapping.ToFinishReason(response.FinishReason), answer.Provider.Name, model,
            Clamp(usage.InputTokenCount), Clamp(usage.OutputTokenCount), answer.Provider.Type == AiProviderTypes.Simulated ? "simulated" : null);
        var cached = Clamp(usage.CachedInputTokenCount);
        var cost = answer.Provider.IsBilled ? call.Services.Prices.Cost(model, stored.InputTokens, stored.OutputTokens, cached) : 0m;

        call.SetAnsweredBy(answer.Provider, attempts);
        await call.CompleteAsync(stored, cacheHit: false, attempts, cost, cached, budget, answer.Lease);
        call.StoreInCache(answer.Target, stored);
        await Results.Json(OpenAIMapping.ToChatCompletion(response.Text, response.FinishReason, call.Id, call.Created, model,
            new(stored.InputTokens, stored.OutputTokens, stored.InputTokens + stored.OutputTokens), stored.SystemFingerprint), WireJson.Options)
            .ExecuteAsync(call.Http);
    }

    private static async Task StreamAsync(Call call, List<ChatMessage> messages, long tokenReservation, BudgetReservation budget)
    {
        var http = call.Http;
        var cancellationToken = http.RequestAborted;
        var attempts = new CallAttempts();
        StartedStream? stream;
        try
        {
            stream = await call.Services.Executor.StartStreamAsync(call.Route, call.Request.Model, messages, call.OptionsFor, tokenReservation, attempts, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await call.AbandonAsync(attempts, budget, outputChars: 0);
            return;
        }

        if (stream is null)
        {
            var error = GatewayErrors.FromFailures(call.Route, attempts.Failures);
            await call.FailAsync(error, attempts, budget);
            await WriteErrorAsync(http, error);
            return;
        }

        await using (stream)
        {
            call.SetAnsweredBy(stream.Provider, attempts);
            StartEventStream(http);
            var body = http.Response.Body;
            var fingerprint = stream.Provider.Type == AiProviderTypes.Simulated ? "simulated" : null;
            var text = new System.Text.StringBuilder();
            string? model = null;
            UsageDetails? usage = null;
            ChatFinishReason? finishReason = null;
            var first = true;

            async Task WriteAsync(ChatResponseUpdate update)
            {
                model ??= update.ModelId is { Length: > 0 } um ? um : null;
                finishReason = update.FinishReason ?? finishReason;
                foreach (var usageContent in update.Contents.OfType<UsageContent>()) usage = usageContent.Details;
                if (!string.IsNullOrEmpty(update.Text))
                {
                    await WriteEventAsync(body, OpenAIMapping.ToContentChunk(call.Id, call.Created, model ?? stream.Model, update.Text, first, fingerprint), cancellationToken);
                    first = false;
                    text.Append(update.Text);
                }
            }

            try
            {
                foreach (var update in stream.Prelude) await WriteAsync(update);
                while (await stream.NextAsync() is { } update) await WriteAsync(update);
                if (finishReason is null) throw new StreamBrokenException("the stream ended before the answer finished");
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                // Part of the answer is out: no fallback now. End with an error event and no [DONE], never as a clean finish.
                var failure = ProviderFailure.Classify(ex, null, stream.TimedOut) is { Kind: not FailureKind.StreamBroken } f && !stream.TimedOut
                    ? f with { Kind = FailureKind.StreamBroken }
                    : ProviderFailure.Classify(ex, null, stream.TimedOut);
                stream.Fail(failure);
                var error = GatewayErrors.StreamInterruptedError(GatewayErrors.Describe(failure));
                await call.FailAsync(error, attempts, budget, stream.Lease, outputChars: text.Length, model: model ?? stream.Model);
                await WriteEventAsync(body, new ErrorResponse(new ErrorBody(error.Message, error.Type, null, error.Code)), CancellationToken.None);
                return;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                stream.Abandon();
                await call.AbandonAsync(attempts, budget, text.Length, stream.Lease);
                return;
            }

            stream.Finish();
            model ??= stream.Model;
            if (first)
            {
                await WriteEventAsync(body, OpenAIMapping.ToContentChunk(call.Id, call.Created, model, "", first: true, fingerprint), cancellationToken);
            }
            await WriteEventAsync(body, OpenAIMapping.ToFinishChunk(call.Id, call.Created, model, finishReason, fingerprint), cancellationToken);

            usage ??= call.EstimateUsage(text.Length);
            var stored = new StoredAnswer(text.ToString(), OpenAIMapping.ToFinishReason(finishReason), stream.Provider.Name, model,
                Clamp(usage.InputTokenCount), Clamp(usage.OutputTokenCount), fingerprint);
            var cached = Clamp(usage.CachedInputTokenCount);
            var cost = stream.Provider.IsBilled ? call.Services.Prices.Cost(model, stored.InputTokens, stored.OutputTokens, cached) : 0m;
            if (call.Request.IncludeUsage)
            {
                await WriteEventAsync(body, OpenAIMapping.ToUsageChunk(call.Id, call.Created, model,
                    new WireUsage(stored.InputTokens, stored.OutputTokens, stored.InputTokens + stored.OutputTokens), fingerprint), cancellationToken);
            }

            await call.CompleteAsync(stored, cacheHit: false, attempts, cost, cached, budget, stream.Lease);
            call.StoreInCache(stream.Target, stored);
            await body.WriteAsync(DoneEvent, cancellationToken);
            await body.FlushAsync(cancellationToken);
        }
    }

    /// <summary>A cached or idempotently stored answer, as JSON or replayed as a stream.</summary>
    private static async Task WriteStoredAnswerAsync(Call call, StoredAnswer answer, bool cacheHit)
    {
        var http = call.Http;
        http.Response.Headers[ProviderHeader] = answer.Provider;
        var usage = new WireUsage(answer.InputTokens, answer.OutputTokens, answer.InputTokens + answer.OutputTokens);
        var finish = new ChatFinishReason(answer.FinishReason);
        if (!call.Request.Stream)
        {
            await Results.Json(OpenAIMapping.ToChatCompletion(answer.Text, finish, call.Id, call.Created, answer.Model, usage, answer.SystemFingerprint), WireJson.Options)
                .ExecuteAsync(http);
            return;
        }

        var cancellationToken = http.RequestAborted;
        StartEventStream(http);
        var body = http.Response.Body;
        var chunk = Math.Max(1, call.Services.Options.CurrentValue.Simulated.StreamChunkChars);
        var first = true;
        for (var start = 0; start < answer.Text.Length || first; start += chunk)
        {
            var length = Math.Min(chunk, Math.Max(0, answer.Text.Length - start));
            if (start + length < answer.Text.Length && length > 0 && char.IsHighSurrogate(answer.Text[start + length - 1])) length++;
            await WriteEventAsync(body, OpenAIMapping.ToContentChunk(call.Id, call.Created, answer.Model, answer.Text.Substring(start, length), first, answer.SystemFingerprint), cancellationToken);
            first = false;
            start += length - chunk;
        }
        await WriteEventAsync(body, OpenAIMapping.ToFinishChunk(call.Id, call.Created, answer.Model, finish, answer.SystemFingerprint), cancellationToken);
        if (call.Request.IncludeUsage)
        {
            await WriteEventAsync(body, OpenAIMapping.ToUsageChunk(call.Id, call.Created, answer.Model, usage, answer.SystemFingerprint), cancellationToken);
        }
        await body.WriteAsync(DoneEvent, cancellationToken);
        await body.FlushAsync(cancellationToken);
    }

    private static async Task<(ClaimOutcome, IdempotencyRecord?)> ClaimIdempotencyKeyAsync(
        GatewayServices services, string key, string requestHash, string owner, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + IdempotencyWait;
        while (true)
        {
            var (outcome, record) = await services.Idempotency.ClaimAsync(key, requestHash, owner);
            // A redelivered call while the first is still running waits for its answer rather than calling the model again.
            if (outcome != ClaimOutcome.InProgress || DateTime.UtcNow >= deadline) return (outcome, record);
            await Task.Delay(100, cancellationToken);
        }
    }

    private static GatewayError BudgetError(BudgetDenial denial)
    {
        var scope = denial.Scope.Kind == "task"
            ? $"Task {denial.Scope.Id} has a budget of {BudgetService.Format(denial.Scope.LimitUsd)} USD ({CallerHeaders.TaskBudget})"
            : $"User {denial.Scope.Id} has a daily budget of {BudgetService.Format(denial.Scope.LimitUsd)} USD (AI:Budgets:UserDailyUsd)";
        var message = $"{scope} and has spent {BudgetService.Format(denial.SpentUsd)} USD so far" +
                      (denial.ReservedUsd > 0 ? $", with {BudgetService.Format(denial.ReservedUsd)} USD held by calls in flight" : "") +
                      $"; this call could cost up to {BudgetService.Format(denial.NeededUsd)} USD. Raise the budget or lower max_tokens; retrying will not help.";
        return new GatewayError(402, "insufficient_quota", GatewayErrors.BudgetExceeded, message, false);
    }

    private static long EstimateInputTokens(ChatCompletionRequest request)
    {
        // Reservations must not undershoot: about 3 characters a token (English runs nearer 4), plus a few per message.
        long chars = request.Messages.Sum(m => (long)m.Text.Length);
        return chars / 3 + 1 + 4L * request.Messages.Count;
    }

    private static void StartEventStream(HttpContext http)
    {
        http.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        http.Response.StatusCode = StatusCodes.Status200OK;
        http.Response.ContentType = "text/event-stream; charset=utf-8";
        http.Response.Headers.CacheControl = "no-cache";
        http.Response.Headers["X-Accel-Buffering"] = "no";
    }

    internal static async Task WriteEventAsync<T>(Stream body, T payload, CancellationToken cancellationToken)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(payload, WireJson.Options);
        var buffer = new byte[json.Length + 8];
        "data: "u8.CopyTo(buffer);
        json.CopyTo(buffer, 6);
        buffer[^2] = (byte)'\n';
        buffer[^1] = (byte)'\n';
        await body.WriteAsync(buffer, cancellationToken);
        await body.FlushAsync(cancellationToken);
    }

    public static Task WriteErrorAsync(HttpContext http, GatewayError error)
    {
        http.Response.Headers[GatewayErrors.ShouldRetryHeader] = error.Retryable ? "true" : "false";
        if (GatewayErrors.RetryAfterHeader(error) is { } retryAfter) http.Response.Headers.RetryAfter = retryAfter;
        return Results.Json(new ErrorResponse(new ErrorBody(error.Message, error.Type, error.Param, error.Code)), WireJson.Options, statusCode: error.Status)
            .ExecuteAsync(http);
    }

    public static IResult Error(int status, string message, string type, string? param, string? code) =>
        Results.Json(new ErrorResponse(new ErrorBody(message, type, param, code)), WireJson.Options, statusCode: status);

    [LoggerMessage(Level = LogLevel.Error, Message = "Redis is unavailable ({Error}); the call is refused with 503")]
    private static partial void LogRedisUnavailable(ILogger logger, string error);

    internal static int Clamp(long? value) => value is null ? 0 : (int)Math.Clamp(value.Value, 0, int.MaxValue);
}

/// <summary>What the chat completions handler needs, bound by minimal APIs ([AsParameters]).</summary>
public sealed class GatewayServices(
    RouteTable routes, ProviderRegistry providers, ChatExecutor executor, ResponseCache cache, BudgetService budgets, IdempotencyStore idempotency,
    LedgerWriter ledger, RedisRateLimiter limiter, PriceTable prices, IOptionsMonitor<AiGatewayOptions> options, TimeProvider time, ILogger<GatewayServices> logger)
{
    public RouteTable Routes { get; } = routes;
    public ProviderRegistry Providers { get; } = providers;
    public ChatExecutor Executor { get; } = executor;
    public ResponseCache Cache { get; } = cache;
    public BudgetService Budgets { get; } = budgets;
    public IdempotencyStore Idempotency { get; } = idempotency;
    public LedgerWriter Ledger { get; } = ledger;
    public RedisRateLimiter Limiter { get; } = limiter;
    public PriceTable Prices { get; } = prices;
    public IOptionsMonitor<AiGatewayOptions> Options { get; } = options;
    public TimeProvider Time { get; } = time;
    public ILogger<GatewayServices> Logger { get; } = logger;
}
