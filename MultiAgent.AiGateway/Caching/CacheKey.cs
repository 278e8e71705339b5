using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using MultiAgent.AiGateway.Protocol;

namespace MultiAgent.AiGateway.Caching;

/// <summary>
/// The exact-match cache key of a call on one target: SHA-256 of a canonical JSON of the provider, the model asked of
/// it, and everything in the request that can change the answer — every message (role, name, text parts), the response
/// format with its name, description, strictness and schema (object keys sorted), temperature, top_p, max tokens, seed,
/// stop sequences, presence and frequency penalties, user and metadata. Only <c>stream</c> and
/// <c>stream_options</c> are left out: a streamed and a plain call share their answer.
/// </summary>
public static class CacheKey
{
    public const int Version = 1;

    public static string Compute(string provider, string model, ChatCompletionRequest request)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(1024);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteNumber("v", Version);
            w.WriteString("provider", provider);
            w.WriteString("model", model);
            w.WriteStartArray("messages");
            foreach (var m in request.Messages)
            {
                w.WriteStartObject();
                w.WriteString("role", m.Role);
                if (m.Name is not null) w.WriteString("name", m.Name);
                w.WriteStartArray("parts");
                foreach (var part in m.TextParts) w.WriteStringValue(part);
                w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteEndArray();

            if (request.ResponseFormat is { } format)
            {
                w.WriteStartObject("response_format");
                w.WriteString("type", format.Type.ToString());
                if (format.SchemaName is not null) w.WriteString("name", format.SchemaName);
                if (format.SchemaDescription is not null) w.WriteString("description", format.SchemaDescription);
                if (format.Strict is { } strict) w.WriteBoolean("strict", strict);
                if (format.Schema is { } schema)
                {
                    w.WritePropertyName("schema");
                    WriteCanonical(w, schema);
                }
                w.WriteEndObject();
            }

            Number(w, "temperature", request.Temperature);
            Number(w, "top_p", request.TopP);
            Number(w, "presence_penalty", request.PresencePenalty);
            Number(w, "frequency_penalty", request.FrequencyPenalty);
            if (request.MaxTokens is { } max) w.WriteNumber("max_tokens", max);
            if (request.Seed is { } seed) w.WriteNumber("seed", seed);
            if (request.Stop is { } stop)
            {
                w.WriteStartArray("stop");
                foreach (var s in stop) w.WriteStringValue(s);
                w.WriteEndArray();
            }
            if (request.User is { } user) w.WriteString("user", user);
            if (request.Metadata is { } metadata)
            {
                w.WriteStartObject("metadata");
                foreach (var (key, value) in metadata.OrderBy(p => p.Key, StringComparer.Ordinal)) w.WriteString(key, value);
                w.WriteEndObject();
            }
            w.WriteEndObject();
        }
        return Convert.ToHexStringLower(SHA256.HashData(buffer.WrittenSpan));
    }

    // "R" keeps 0.1 and 0.10000000149 apart, and writes the same text for the same double on every machine.
    private static void Number(Utf8JsonWriter w, string name, double? value)
    {
        if (value is { } v) w.WriteString(name, v.ToString("R", CultureInfo.InvariantCulture));
    }

    private static void WriteCanonical(Utf8JsonWriter w, JsonElement e)
    {
        switch (e.ValueKind)
        {
            case JsonValueKind.Object:
                w.WriteStartObject();
                foreach (var p in e.EnumerateObject().OrderBy(p => p.Name, StringComparer.Ordinal))
                {
                    w.WritePropertyName(p.Name);
                    WriteCanonical(w, p.Value);
                }
                w.WriteEndObject();
                break;
            case JsonValueKind.Array:
                w.WriteStartArray();
                foreach (var item in e.EnumerateArray()) WriteCanonical(w, item);
                w.WriteEndArray();
                break;
            default:
                e.WriteTo(w);
                break;
        }
    }
}
