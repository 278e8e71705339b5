using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace MultiAgent.AiGateway.Diagnostics;

/// <summary>
/// The gateway's span per model call and its token/cost metrics. Tags follow the OpenTelemetry GenAI conventions;
/// never prompt or answer text, never the API key.
/// </summary>
public static class GatewayTelemetry
{
    public const string SourceName = "MultiAgent.AiGateway";

    public static readonly ActivitySource Source = new(SourceName);
    private static readonly Meter Meter = new(SourceName);

    private static readonly Histogram<long> TokenUsage = Meter.CreateHistogram<long>(
        "gen_ai.client.token.usage", unit: "{token}", description: "Tokens used per model call, by type (input/output).");

    private static readonly Counter<double> Cost = Meter.CreateCounter<double>(
        "multiagent.ai.cost", unit: "USD", description: "Cost of model calls in USD.");

    public static Activity? StartChat(string provider, string requestedModel, string upstreamModel, string? taskId, string? agentId, bool stream)
    {
        var activity = Source.StartActivity($"chat {upstreamModel}", ActivityKind.Client);
        if (activity is null) return null;
        activity.SetTag("gen_ai.operation.name", "chat");
        activity.SetTag("gen_ai.system", provider);
        activity.SetTag("gen_ai.provider.name", provider);
        activity.SetTag("gen_ai.request.model", upstreamModel);
        if (requestedModel != upstreamModel) activity.SetTag("multiagent.requested_model", requestedModel);
        activity.SetTag("multiagent.task_id", taskId);
        activity.SetTag("multiagent.agent_id", agentId);
        activity.SetTag("multiagent.stream", stream);
        return activity;
    }

    public static void RecordUsage(Activity? activity, string provider, string model, int inputTokens, int outputTokens, decimal? costUsd, string? finishReason)
    {
        if (activity is not null)
        {
            activity.SetTag("gen_ai.response.model", model);
            activity.SetTag("gen_ai.usage.input_tokens", inputTokens);
            activity.SetTag("gen_ai.usage.output_tokens", outputTokens);
            if (finishReason is not null) activity.SetTag("gen_ai.response.finish_reasons", new[] { finishReason });
            if (costUsd is not null) activity.SetTag("multiagent.cost_usd", (double)costUsd.Value);
        }

        var tags = new TagList { { "gen_ai.provider.name", provider }, { "gen_ai.request.model", model } };
        var input = tags;
        input.Add("gen_ai.token.type", "input");
        TokenUsage.Record(inputTokens, input);
        var output = tags;
        output.Add("gen_ai.token.type", "output");
        TokenUsage.Record(outputTokens, output);
        if (costUsd is > 0) Cost.Add((double)costUsd.Value, tags);
    }

    public static void RecordError(Activity? activity, int statusCode, string errorType)
    {
        if (activity is null) return;
        activity.SetStatus(ActivityStatusCode.Error, errorType);
        activity.SetTag("error.type", errorType);
        activity.SetTag("http.response.status_code", statusCode);
    }
}
