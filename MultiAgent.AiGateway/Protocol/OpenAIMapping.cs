using Microsoft.Extensions.AI;

namespace MultiAgent.AiGateway.Protocol;

/// <summary>Pure mappings between the OpenAI wire shapes and Microsoft.Extensions.AI's chat abstractions.</summary>
public static class OpenAIMapping
{
    /// <summary>Key in <see cref="ChatOptions.AdditionalProperties"/> that the M.E.AI OpenAI client reads as json_schema.strict.</summary>
    public const string StrictKey = "strict";
    public const string UserKey = "user";
    public const string MetadataKey = "metadata";

    public static List<ChatMessage> ToChatMessages(ChatCompletionRequest request) =>
        request.Messages.Select(ToChatMessage).ToList();

    public static ChatMessage ToChatMessage(WireMessage message)
    {
        var role = message.Role switch
        {
            "system" or "developer" => ChatRole.System,
            "assistant" => ChatRole.Assistant,
            _ => ChatRole.User,
        };
        return new ChatMessage(role, message.TextParts.Select(p => (AIContent)new TextContent(p)).ToList())
        {
            AuthorName = message.Name,
        };
    }

    /// <summary>The request's options for the upstream; <paramref name="modelId"/> is the model the upstream is asked for.</summary>
    public static ChatOptions ToChatOptions(ChatCompletionRequest request, string modelId)
    {
        var options = new ChatOptions
        {
            ModelId = modelId,
            Temperature = (float?)request.Temperature,
            TopP = (float?)request.TopP,
            MaxOutputTokens = request.MaxTokens,
            Seed = request.Seed,
            PresencePenalty = (float?)request.PresencePenalty,
            FrequencyPenalty = (float?)request.FrequencyPenalty,
            StopSequences = request.Stop?.ToList(),
            ResponseFormat = ToChatResponseFormat(request.ResponseFormat),
        };

        if (request.ResponseFormat is { Type: WireResponseFormatType.JsonSchema, Strict: { } strict })
            (options.AdditionalProperties ??= [])[StrictKey] = strict;
        if (request.User is { } user)
            (options.AdditionalProperties ??= [])[UserKey] = user;
        if (request.Metadata is { Count: > 0 } metadata)
            (options.AdditionalProperties ??= [])[MetadataKey] = new Dictionary<string, string>(metadata);

        return options;
    }

    public static ChatResponseFormat? ToChatResponseFormat(WireResponseFormat? format) => format switch
    {
        null => null,
        { Type: WireResponseFormatType.Text } => ChatResponseFormat.Text,
        { Type: WireResponseFormatType.JsonObject } => ChatResponseFormat.Json,
        { Type: WireResponseFormatType.JsonSchema, Schema: { } schema } =>
            ChatResponseFormat.ForJsonSchema(schema, format.SchemaName, format.SchemaDescription),
        // json_schema without a schema: any JSON object.
        _ => ChatResponseFormat.Json,
    };

    public static string ToFinishReason(ChatFinishReason? reason)
    {
        if (reason is null || reason == ChatFinishReason.Stop) return "stop";
        if (reason == ChatFinishReason.Length) return "length";
        if (reason == ChatFinishReason.ContentFilter) return "content_filter";
        if (reason == ChatFinishReason.ToolCalls) return "tool_calls";
        return reason.Value.Value;
    }

    public static WireUsage ToWireUsage(UsageDetails? usage)
    {
        var prompt = ClampToInt(usage?.InputTokenCount);
        var completion = ClampToInt(usage?.OutputTokenCount);
        var total = usage?.TotalTokenCount is { } t ? ClampToInt(t) : prompt + completion;
        return new WireUsage(prompt, completion, total);
    }

    public static ChatCompletionResponse ToChatCompletion(ChatResponse response, string id, long created, string model, string? systemFingerprint = null) =>
        new(
            id,
            created,
            model,
            [new ChatCompletionChoice(0, new WireAssistantMessage("assistant", response.Text), ToFinishReason(response.FinishReason))],
            ToWireUsage(response.Usage),
            systemFingerprint);

    public static ChatCompletionResponse ToChatCompletion(string text, ChatFinishReason? finishReason, string id, long created, string model, WireUsage usage, string? systemFingerprint = null) =>
        new(id, created, model, [new ChatCompletionChoice(0, new WireAssistantMessage("assistant", text), ToFinishReason(finishReason))], usage, systemFingerprint);

    public static ChatCompletionChunk ToUsageChunk(string id, long created, string model, WireUsage usage, string? systemFingerprint = null) =>
        new(id, created, model, [], usage, systemFingerprint);

    /// <summary>A content chunk; the first one of a stream also carries the assistant role.</summary>
    public static ChatCompletionChunk ToContentChunk(string id, long created, string model, string text, bool first, string? systemFingerprint = null) =>
        new(id, created, model, [new ChatCompletionChunkChoice(0, new WireDelta(first ? "assistant" : null, text), null)], null, systemFingerprint);

    public static ChatCompletionChunk ToFinishChunk(string id, long created, string model, ChatFinishReason? reason, string? systemFingerprint = null) =>
        new(id, created, model, [new ChatCompletionChunkChoice(0, new WireDelta(), ToFinishReason(reason))], null, systemFingerprint);

    public static ChatCompletionChunk ToUsageChunk(string id, long created, string model, UsageDetails? usage, string? systemFingerprint = null) =>
        new(id, created, model, [], ToWireUsage(usage), systemFingerprint);

    private static int ClampToInt(long? value) => value is null ? 0 : (int)Math.Clamp(value.Value, 0, int.MaxValue);
}
