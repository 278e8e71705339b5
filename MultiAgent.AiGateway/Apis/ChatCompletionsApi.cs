using System.ClientModel;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.AI;
using MultiAgent.AiGateway.Diagnostics;
using MultiAgent.AiGateway.Protocol;
using MultiAgent.AiGateway.Providers;
using MultiAgent.AiGateway.Usage;
using MultiAgent.Data;

namespace MultiAgent.AiGateway.Apis;

/// <summary>The OpenAI-compatible surface: POST /v1/chat/completions (plain and streamed) and GET /v1/models.</summary>
public static partial class ChatCompletionsApi
{
    /// <summary>Which task a call is for (optional; stored in ai_api_usage.task_id when the task exists).</summary>
    public const string TaskIdHeader = "X-MultiAgent-Task-Id";

    /// <summary>Which agent a call is for (optional; stored in ai_api_usage.agent_id when the agent exists).</summary>
    public const string AgentIdHeader = "X-MultiAgent-Agent-Id";

    /// <summary>Response header naming the provider that answered (e.g. "simulated").</summary>
    public const string ProviderHeader = "X-MultiAgent-Provider";

    private static readonly DateTimeOffset ModelsCreated = new(2024, 5, 13, 0, 0, 0, TimeSpan.Zero);
    private static readonly byte[] DoneEvent = "data: [DONE]\n\n"u8.ToArray();

    public static IEndpointRouteBuilder MapChatCompletionsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/v1").WithTags("OpenAI-compatible");
        api.MapPost("/chat/completions", CreateChatCompletion);
        api.MapGet("/models", ListModels);
        api.MapGet("/models/{id}", GetModel);
        return app;
    }

    public static async Task<IResult> CreateChatCompletion(HttpContext http, [AsParameters] GatewayServices services)
    {
        var cancellationToken = http.RequestAborted;

        JsonDocument document;
        try
        {
            document = await JsonDocument.ParseAsync(http.Request.Body, default, cancellationToken);
        }
        catch (JsonException ex)
        {
            return Error(400, $"The request body is not valid JSON: {ex.Message}", "invalid_request_error", null, "invalid_json");
        }

        ChatCompletionRequest request;
        using (document)
        {
            if (!ChatCompletionRequestParser.TryParse(document.RootElement, out var parsed, out var error))
            {
                return Error(400, error!.Message, "invalid_request_error", error.Param, error.Code);
            }
            request = parsed!;
        }

        var provider = services.Provider;
        var call = new Call(
            Id: "chatcmpl-" + Guid.NewGuid().ToString("N")[..24],
            Created: services.Time.GetUtcNow().ToUnixTimeSeconds(),
            TaskId: IdHeader(http, TaskIdHeader),
            AgentId: IdHeader(http, AgentIdHeader),
            RequestedModel: request.Model,
            UpstreamModel: provider.ResolveModel(request.Model),
            Fingerprint: provider.Name == AiProviderNames.Simulated ? "simulated" : null,
            Started: Stopwatch.GetTimestamp());

        var messages = OpenAIMapping.ToChatMessages(request);
        var options = OpenAIMapping.ToChatOptions(request, call.UpstreamModel);
        if (provider.Name == AiProviderNames.OpenAI && request.User is { } user)
        {
            options.RawRepresentationFactory = _ => new OpenAI.Chat.ChatCompletionOptions { EndUserId = user };
        }

        http.Response.Headers[ProviderHeader] = provider.Name;
        var activity = GatewayTelemetry.StartChat(provider.Name, call.RequestedModel, call.UpstreamModel, call.TaskId, call.AgentId, request.Stream);
        try
        {
            return request.Stream
                ? await StreamAsync(http, services, call, messages, options, request.IncludeUsage, activity)
                : await CompleteAsync(services, call, messages, options, activity);
        }
        finally
        {
            activity?.Dispose();
        }
    }

    private static async Task<IResult> CompleteAsync(GatewayServices services, Call call, List<ChatMessage> messages, ChatOptions options, Activity? activity)
    {
        ChatResponse response;
        try
        {
            response = await services.Provider.Client.GetResponseAsync(messages, options, services.RequestAborted);
        }
        catch (Exception ex) when (!services.RequestAborted.IsCancellationRequested)
        {
            return UpstreamError(ex, services, activity);
        }

        var model = response.ModelId is { Length: > 0 } m ? m : call.UpstreamModel;
        var usage = response.Usage ?? EstimateUsage(services, messages, response.Text.Length);
        await RecordAsync(services, call, model, usage, OpenAIMapping.ToFinishReason(response.FinishReason), activity);

        var id = response.ResponseId is { } rid && rid.StartsWith("chatcmpl-", StringComparison.Ordinal) ? rid : call.Id;
        response.Usage = usage;
        return Results.Json(OpenAIMapping.ToChatCompletion(response, id, call.Created, model, call.Fingerprint), WireJson.Options);
    }

    private static async Task<IResult> StreamAsync(
        HttpContext http, GatewayServices services, Call call, List<ChatMessage> messages, ChatOptions options, bool includeUsage, Activity? activity)
    {
        var cancellationToken = services.RequestAborted;
        var updates = services.Provider.Client.GetStreamingResponseAsync(messages, options, cancellationToken).GetAsyncEnumerator(cancellationToken);
        try
        {
            // Pull the first update before answering, so that upstream failures still get a proper status code.
            bool hasUpdate;
            try
            {
                hasUpdate = await updates.MoveNextAsync();
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                return UpstreamError(ex, services, activity);
            }

            http.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
            http.Response.StatusCode = StatusCodes.Status200OK;
            http.Response.ContentType = "text/event-stream; charset=utf-8";
            http.Response.Headers.CacheControl = "no-cache";
            http.Response.Headers["X-Accel-Buffering"] = "no";

            var body = http.Response.Body;
            string? model = null;
            UsageDetails? usage = null;
            ChatFinishReason? finishReason = null;
            var first = true;
            var outputChars = 0;
            try
            {
                while (hasUpdate)
                {
                    var update = updates.Current;
                    model ??= update.ModelId is { Length: > 0 } um ? um : null;
                    finishReason = update.FinishReason ?? finishReason;
                    foreach (var usageContent in update.Contents.OfType<UsageContent>())
                    {
                        usage = usageContent.Details;
                    }

                    var text = update.Text;
                    if (!string.IsNullOrEmpty(text))
                    {
                        await WriteEventAsync(body, OpenAIMapping.ToContentChunk(call.Id, call.Created, model ?? call.UpstreamModel, text, first, call.Fingerprint), cancellationToken);
                        first = false;
                        outputChars += text.Length;
                    }
                    hasUpdate = await updates.MoveNextAsync();
                }
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                // Headers are gone: report the failure in-stream, in OpenAI's error shape, and end without [DONE].
                var (status, type, code, message, _) = MapUpstreamError(ex);
                LogUpstreamFailure(services.Logger, services.Provider.Name, status, ex.GetType().Name);
                GatewayTelemetry.RecordError(activity, status, code);
                await WriteEventAsync(body, new ErrorResponse(new ErrorBody(message, type, null, code)), CancellationToken.None);
                return Results.Empty;
            }

            model ??= call.UpstreamModel;
            if (first)
            {
                await WriteEventAsync(body, OpenAIMapping.ToContentChunk(call.Id, call.Created, model, "", first: true, call.Fingerprint), cancellationToken);
            }
            await WriteEventAsync(body, OpenAIMapping.ToFinishChunk(call.Id, call.Created, model, finishReason, call.Fingerprint), cancellationToken);

            usage ??= EstimateUsage(services, messages, outputChars);
            if (includeUsage)
            {
                await WriteEventAsync(body, OpenAIMapping.ToUsageChunk(call.Id, call.Created, model, usage, call.Fingerprint), cancellationToken);
            }

            // Recorded before [DONE], so a caller that saw [DONE] finds the row.
            await RecordAsync(services, call, model, usage, OpenAIMapping.ToFinishReason(finishReason), activity);
            await body.WriteAsync(DoneEvent, cancellationToken);
            await body.FlushAsync(cancellationToken);
            return Results.Empty;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The caller went away mid-stream; no usage chunk arrived, so nothing is recorded.
            LogCallerAborted(services.Logger, services.Provider.Name, call.UpstreamModel);
            return Results.Empty;
        }
        finally
        {
            await updates.DisposeAsync();
        }
    }

    public static IResult ListModels(ModelProvider provider) =>
        Results.Json(new ModelList(KnownModels(provider).Select(id => new ModelInfo(id, ModelsCreated.ToUnixTimeSeconds(), provider.Name)).ToList()), WireJson.Options);

    public static IResult GetModel(string id, ModelProvider provider) =>
        KnownModels(provider).Contains(id, StringComparer.Ordinal)
            ? Results.Json(new ModelInfo(id, ModelsCreated.ToUnixTimeSeconds(), provider.Name), WireJson.Options)
            : Error(404, $"The model '{id}' does not exist.", "invalid_request_error", "model", "model_not_found");

    /// <summary>The agents' default models, plus the configured upstream model. Any name is accepted by the simulated model.</summary>
    private static IEnumerable<string> KnownModels(ModelProvider provider) =>
        AgentRegistry.Definitions.Select(d => d.Model)
            .Concat(provider.ModelOverride is { Length: > 0 } m ? [m] : [])
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal);

    private static async Task RecordAsync(GatewayServices services, Call call, string model, UsageDetails usage, string finishReason, Activity? activity)
    {
        var wire = OpenAIMapping.ToWireUsage(usage);
        var cost = services.Provider.IsBilled ? services.Prices.Cost(model, wire.PromptTokens, wire.CompletionTokens) : 0m;
        GatewayTelemetry.RecordUsage(activity, services.Provider.Name, model, wire.PromptTokens, wire.CompletionTokens, cost, finishReason);
        LogCompleted(services.Logger, services.Provider.Name, model, wire.PromptTokens, wire.CompletionTokens,
            (long)Stopwatch.GetElapsedTime(call.Started).TotalMilliseconds, call.TaskId, call.AgentId);

        // Billing must not depend on the caller staying connected.
        await services.Usage.RecordAsync(
            new UsageRecord(call.TaskId, call.AgentId, services.Provider.Name, model, wire.PromptTokens, wire.CompletionTokens, wire.TotalTokens, cost),
            CancellationToken.None);
    }

    private static UsageDetails EstimateUsage(GatewayServices services, List<ChatMessage> messages, int outputChars)
    {
        LogUsageEstimated(services.Logger, services.Provider.Name);
        var input = Math.Max(1, (messages.Sum(m => (long)m.Text.Length) + 3) / 4);
        var output = Math.Max(0, (outputChars + 3) / 4);
        return new UsageDetails { InputTokenCount = input, OutputTokenCount = output, TotalTokenCount = input + output };
    }

    private static async Task WriteEventAsync<T>(Stream body, T payload, CancellationToken cancellationToken)
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

    private static string? IdHeader(HttpContext http, string name)
    {
        var value = http.Request.Headers[name].ToString().Trim();
        // The ids are varchar(50) foreign keys: anything longer cannot exist.
        return value.Length is > 0 and <= 50 ? value : null;
    }

    // ---- errors ----

    private static IResult UpstreamError(Exception ex, GatewayServices services, Activity? activity)
    {
        var (status, type, code, message, retryAfter) = MapUpstreamError(ex);
        LogUpstreamFailure(services.Logger, services.Provider.Name, status, ex.GetType().Name);
        GatewayTelemetry.RecordError(activity, status, code);
        return Error(status, message, type, null, code, retryAfter);
    }

    /// <summary>429 and 503 pass through (with Retry-After); a rejected request is the caller's 400; anything else is 502.</summary>
    public static (int Status, string Type, string Code, string Message, string? RetryAfter) MapUpstreamError(Exception ex)
    {
        int upstreamStatus;
        string? retryAfter = null;
        switch (ex)
        {
            case ProviderException pe:
                upstreamStatus = pe.StatusCode;
                retryAfter = pe.RetryAfter is { } ra ? ((int)Math.Ceiling(ra.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture) : null;
                break;
            case ClientResultException cre:
                upstreamStatus = cre.Status;
                if (cre.GetRawResponse() is { } raw && raw.Headers.TryGetValue("Retry-After", out var header))
                {
                    retryAfter = header;
                }
                break;
            case HttpRequestException:
                return (502, "upstream_error", "upstream_unreachable", "The AI provider could not be reached.", null);
            case OperationCanceledException or TimeoutException:
                return (502, "upstream_error", "upstream_timeout", "The AI provider did not answer in time.", null);
            default:
                return (502, "upstream_error", "upstream_error", "The AI provider failed to answer.", null);
        }

        return upstreamStatus switch
        {
            429 => (429, "rate_limit_error", "rate_limit_exceeded", "The AI provider is rate limiting requests; retry after the Retry-After interval.", retryAfter),
            503 => (503, "server_error", "service_unavailable", "The AI provider is temporarily unavailable; retry later.", retryAfter),
            400 or 404 or 422 => (400, "invalid_request_error", "upstream_rejected_request",
                $"The AI provider rejected the request (status {upstreamStatus}): {ex.Message}", null),
            401 or 403 => (502, "upstream_error", "upstream_authentication_failed",
                "The AI provider refused the gateway's credentials; check the gateway's AI:ApiKey.", null),
            0 => (502, "upstream_error", "upstream_unreachable", "The AI provider could not be reached.", null),
            _ => (502, "upstream_error", "upstream_error", $"The AI provider failed to answer (status {upstreamStatus}).", null),
        };
    }

    public static IResult Error(int status, string message, string type, string? param, string? code, string? retryAfter = null) =>
        new ErrorResult(status, new ErrorResponse(new ErrorBody(message, type, param, code)), retryAfter);

    private sealed class ErrorResult(int status, ErrorResponse body, string? retryAfter) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            if (retryAfter is not null)
            {
                httpContext.Response.Headers.RetryAfter = retryAfter;
            }
            return Results.Json(body, WireJson.Options, statusCode: status).ExecuteAsync(httpContext);
        }
    }

    private sealed record Call(string Id, long Created, string? TaskId, string? AgentId, string RequestedModel, string UpstreamModel, string? Fingerprint, long Started);

    // ---- logs: never prompt or answer text, never the key ----

    [LoggerMessage(Level = LogLevel.Information, Message = "Chat completion by {Provider}/{Model}: {PromptTokens} prompt + {CompletionTokens} completion tokens in {ElapsedMs} ms (task {TaskId}, agent {AgentId})")]
    private static partial void LogCompleted(ILogger logger, string provider, string model, int promptTokens, int completionTokens, long elapsedMs, string? taskId, string? agentId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "AI provider {Provider} failed a call; answering {Status} ({ExceptionType})")]
    private static partial void LogUpstreamFailure(ILogger logger, string provider, int status, string exceptionType);

    [LoggerMessage(Level = LogLevel.Warning, Message = "AI provider {Provider} reported no token usage; usage estimated from characters")]
    private static partial void LogUsageEstimated(ILogger logger, string provider);

    [LoggerMessage(Level = LogLevel.Information, Message = "Caller aborted a streamed call to {Provider}/{Model}; no usage recorded")]
    private static partial void LogCallerAborted(ILogger logger, string provider, string model);
}

/// <summary>What the chat completions handler needs, bound by minimal APIs ([AsParameters]: constructor parameters match the properties).</summary>
public sealed class GatewayServices(
    ModelProvider provider, IUsageRecorder usage, PriceTable prices, TimeProvider time, ILogger<GatewayServices> logger, CancellationToken requestAborted)
{
    public ModelProvider Provider { get; } = provider;
    public IUsageRecorder Usage { get; } = usage;
    public PriceTable Prices { get; } = prices;
    public TimeProvider Time { get; } = time;
    public ILogger<GatewayServices> Logger { get; } = logger;
    public CancellationToken RequestAborted { get; } = requestAborted;
}
