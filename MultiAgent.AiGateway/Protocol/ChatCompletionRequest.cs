using System.Text.Json;

namespace MultiAgent.AiGateway.Protocol;

/// <summary>An OpenAI chat completions request, as parsed and validated by <see cref="ChatCompletionRequestParser"/>.</summary>
public sealed record ChatCompletionRequest
{
    public required string Model { get; init; }
    public required IReadOnlyList<WireMessage> Messages { get; init; }
    public double? Temperature { get; init; }
    public double? TopP { get; init; }
    /// <summary>max_completion_tokens, else max_tokens.</summary>
    public int? MaxTokens { get; init; }
    public long? Seed { get; init; }
    public IReadOnlyList<string>? Stop { get; init; }
    public double? PresencePenalty { get; init; }
    public double? FrequencyPenalty { get; init; }
    public WireResponseFormat? ResponseFormat { get; init; }
    public bool Stream { get; init; }
    /// <summary>stream_options.include_usage.</summary>
    public bool IncludeUsage { get; init; }
    public string? User { get; init; }
    public IReadOnlyDictionary<string, string>? Metadata { get; init; }
}

/// <summary>One message: role (system, developer, user or assistant), its text parts, and optional name.</summary>
public sealed record WireMessage(string Role, IReadOnlyList<string> TextParts, string? Name = null)
{
    public string Text => string.Concat(TextParts);
}

public enum WireResponseFormatType
{
    Text,
    JsonObject,
    JsonSchema,
}

/// <summary>response_format: text, json_object, or json_schema {name, description, schema, strict}.</summary>
public sealed record WireResponseFormat(
    WireResponseFormatType Type,
    string? SchemaName = null,
    string? SchemaDescription = null,
    JsonElement? Schema = null,
    bool? Strict = null);

/// <summary>A request error in OpenAI's shape: message, the offending parameter, and a code.</summary>
public sealed record WireError(string Message, string? Param = null, string Code = "invalid_value");
