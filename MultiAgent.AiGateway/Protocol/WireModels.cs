using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace MultiAgent.AiGateway.Protocol;

// The OpenAI chat completions response shapes the gateway writes.

public sealed record ChatCompletionResponse(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("created")] long Created,
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("choices")] IReadOnlyList<ChatCompletionChoice> Choices,
    [property: JsonPropertyName("usage")] WireUsage Usage,
    [property: JsonPropertyName("system_fingerprint")] string? SystemFingerprint = null)
{
    [JsonPropertyName("object")]
    public string Object => "chat.completion";
}

public sealed record ChatCompletionChoice(
    [property: JsonPropertyName("index")] int Index,
    [property: JsonPropertyName("message")] WireAssistantMessage Message,
    [property: JsonPropertyName("finish_reason"), JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? FinishReason)
{
    [JsonPropertyName("logprobs"), JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public object? Logprobs => null;
}

public sealed record WireAssistantMessage(
    [property: JsonPropertyName("role")] string Role,
    [property: JsonPropertyName("content"), JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Content)
{
    [JsonPropertyName("refusal"), JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public string? Refusal => null;
}

public sealed record WireUsage(
    [property: JsonPropertyName("prompt_tokens")] int PromptTokens,
    [property: JsonPropertyName("completion_tokens")] int CompletionTokens,
    [property: JsonPropertyName("total_tokens")] int TotalTokens);

public sealed record ChatCompletionChunk(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("created")] long Created,
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("choices")] IReadOnlyList<ChatCompletionChunkChoice> Choices,
    [property: JsonPropertyName("usage")] WireUsage? Usage = null,
    [property: JsonPropertyName("system_fingerprint")] string? SystemFingerprint = null)
{
    [JsonPropertyName("object")]
    public string Object => "chat.completion.chunk";
}

public sealed record ChatCompletionChunkChoice(
    [property: JsonPropertyName("index")] int Index,
    [property: JsonPropertyName("delta")] WireDelta Delta,
    [property: JsonPropertyName("finish_reason"), JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? FinishReason)
{
    [JsonPropertyName("logprobs"), JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public object? Logprobs => null;
}

public sealed record WireDelta(
    [property: JsonPropertyName("role")] string? Role = null,
    [property: JsonPropertyName("content")] string? Content = null);

public sealed record ModelList(
    [property: JsonPropertyName("data")] IReadOnlyList<ModelInfo> Data)
{
    [JsonPropertyName("object")]
    public string Object => "list";
}

public sealed record ModelInfo(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("created")] long Created,
    [property: JsonPropertyName("owned_by")] string OwnedBy)
{
    [JsonPropertyName("object")]
    public string Object => "model";
}

public sealed record ErrorResponse([property: JsonPropertyName("error")] ErrorBody Error);

public sealed record ErrorBody(
    [property: JsonPropertyName("message")] string Message,
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("param"), JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Param,
    [property: JsonPropertyName("code"), JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Code);

public static class WireJson
{
    /// <summary>Serializer options for the wire shapes: attribute-named properties, nulls omitted unless marked.</summary>
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        // As OpenAI writes it: quotes, apostrophes and non-ASCII letters unescaped (still valid JSON).
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };
}
