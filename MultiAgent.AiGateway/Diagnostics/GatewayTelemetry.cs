using System.Diagnostics;
using System.Diagnostics.Metrics;
using MultiAgent.AiGateway.Providers;

namespace MultiAgent.AiGateway.Diagnostics;

/// <summary>
/// The gateway's telemetry, after the OpenTelemetry GenAI semantic conventions: one <c>chat {model}</c> span per call (route,
/// cache, fallback, cost and usage on it), a child span per provider attempt, and the <c>gen_ai.client.token.usage</c> and
/// <c>gen_ai.client.operation.duration</c> histograms. Prompt and answer text only with <c>AI:Telemetry:CaptureContent</c>;
/// never a key.
/// </summary>
public static class GatewayTelemetry
{
    public const string SourceName = "MultiAgent.AiGateway";

    public static readonly ActivitySource Source = new(SourceName);
    private static readonly Meter Meter = new(SourceName);

    private static readonly Histogram<long> TokenUsage = Meter.CreateHistogram<long>(
        "gen_ai.client.token.usage", unit: "{token}", description: "Number of input and output tokens used.",
        advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864] });

    private static readonly Histogram<double> OperationDuration = Meter.CreateHistogram<double>(
        "gen_ai.client.operation.duration", unit: "s", description: "GenAI operation duration.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92] });

    private static readonly Counter<double> Cost = Meter.CreateCounter<double>(
        "multiagent.ai.cost", unit: "USD", description: "Cost of model calls in USD, by provider and model.");

    private static readonly Counter<long> CacheLookups = Meter.CreateCounter<long>(
        "multiagent.ai.cache.lookups", unit: "{lookup}", description: "Response cache lookups, by result (hit, miss).");

    public static Activity? StartCall(string requestedModel, string route, string routeMatch, string? taskId, string? agentId, string? agentRole, bool stream)
    {
        var activity = Source.StartActivity($"chat {requestedModel}", ActivityKind.Internal);
        if (activity is null) return null;
        activity.SetTag("gen_ai.operation.name", "chat");
        activity.SetTag("gen_ai.request.model", requestedModel);
        activity.SetTag("multiagent.route", route);
        activity.SetTag("multiagent.route.match", routeMatch);
        activity.SetTag("multiagent.task_id", taskId);
        activity.SetTag("multiagent.agent_id", agentId);
        activity.SetTag("multiagent.agent_role", agentRole);
        activity.SetTag("multiagent.stream", stream);
        return activity;
    }

    public static Activity? StartAttempt(ModelProvider provider, string model, int attempt)
    {
        var activity = Source.StartActivity($"chat {model}", ActivityKind.Client);
        if (activity is null) return null;
        activity.SetTag("gen_ai.operation.name", "chat");
        activity.SetTag("gen_ai.provider.name", provider.Name);
        activity.SetTag("gen_ai.request.model", model);
        activity.SetTag("multiagent.provider.type", provider.Type);
        activity.SetTag("multiagent.attempt", attempt);
        return activity;
    }

    public static void EndAttempt(Activity? activity, ProviderFailure? failure)
    {
        if (activity is null) return;
        if (failure is not null)
        {
            activity.SetStatus(ActivityStatusCode.Error, failure.Kind.ToString());
            activity.SetTag("error.type", failure.Status is { } s ? s.ToString(System.Globalization.CultureInfo.InvariantCulture) : failure.Kind.ToString());
        }
        activity.Dispose();
    }

    /// <summary>The outcome of a call: on its span, and in the GenAI metrics (provider tokens only: a cache hit used none).</summary>
    public static void RecordCall(
        Activity? activity, string provider, string requestedModel, string responseModel, int inputTokens, int outputTokens, decimal? costUsd,
        string? finishReason, bool cacheHit, bool fallback, int attempts, TimeSpan duration, string? errorCode, int? status)
    {
        if (activity is not null)
        {
            activity.SetTag("gen_ai.provider.name", provider);
            activity.SetTag("gen_ai.response.model", responseModel);
            activity.SetTag("gen_ai.usage.input_tokens", inputTokens);
            activity.SetTag("gen_ai.usage.output_tokens", outputTokens);
            if (finishReason is not null) activity.SetTag("gen_ai.response.finish_reasons", new[] { finishReason });
            activity.SetTag("multiagent.cost_usd", (double)(costUsd ?? 0m));
            activity.SetTag("multiagent.cache_hit", cacheHit);
            activity.SetTag("multiagent.fallback", fallback);
            activity.SetTag("multiagent.attempts", attempts);
            if (errorCode is not null)
            {
                activity.SetStatus(ActivityStatusCode.Error, errorCode);
                activity.SetTag("error.type", errorCode);
                if (status is { } s) activity.SetTag("http.response.status_code", s);
            }
        }

        var tags = new TagList
        {
            { "gen_ai.operation.name", "chat" },
            { "gen_ai.provider.name", provider },
            { "gen_ai.request.model", requestedModel },
            { "gen_ai.response.model", responseModel },
        };
        var durationTags = tags;
        if (errorCode is not null) durationTags.Add("error.type", errorCode);
        if (cacheHit) durationTags.Add("multiagent.cache_hit", true);
        OperationDuration.Record(duration.TotalSeconds, durationTags);

        if (!cacheHit && errorCode is null)
        {
            var input = tags;
            input.Add("gen_ai.token.type", "input");
            TokenUsage.Record(inputTokens, input);
            var output = tags;
            output.Add("gen_ai.token.type", "output");
            TokenUsage.Record(outputTokens, output);
        }
        if (costUsd is > 0) Cost.Add((double)costUsd.Value, tags);
    }

    public static void RecordCacheLookup(bool hit) =>
        CacheLookups.Add(1, new KeyValuePair<string, object?>("result", hit ? "hit" : "miss"));

    /// <summary>Prompt and answer text on the span (only when <c>AI:Telemetry:CaptureContent</c> is on).</summary>
    public static void RecordContent(Activity? activity, string inputMessagesJson, string outputText)
    {
        if (activity is null) return;
        activity.SetTag("gen_ai.input.messages", inputMessagesJson);
        activity.SetTag("gen_ai.output.messages",
            System.Text.Json.JsonSerializer.Serialize(new[] { new { role = "assistant", parts = new[] { new { type = "text", content = outputText } } } }));
    }
}
