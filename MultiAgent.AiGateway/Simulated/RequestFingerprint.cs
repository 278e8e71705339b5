using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace MultiAgent.AiGateway.Simulated;

/// <summary>
/// A stable SHA-256 of everything that changes the simulated answer: model, messages, response format and schema,
/// temperature and seed, written as canonical JSON (object keys sorted). Never string.GetHashCode(), which is
/// randomised per process.
/// </summary>
public static class RequestFingerprint
{
    public static byte[] Compute(IReadOnlyList<ChatMessage> messages, ChatOptions? options)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("model", options?.ModelId ?? "");
            w.WriteStartArray("messages");
            foreach (var m in messages)
            {
                w.WriteStartObject();
                w.WriteString("role", m.Role.Value);
                w.WriteString("text", m.Text);
                w.WriteEndObject();
            }
            w.WriteEndArray();

            w.WriteStartObject("format");
            switch (options?.ResponseFormat)
            {
                case ChatResponseFormatJson json:
                    w.WriteString("type", json.Schema is null ? "json" : "json_schema");
                    if (json.SchemaName is not null) w.WriteString("name", json.SchemaName);
                    if (json.Schema is { } schema)
                    {
                        w.WritePropertyName("schema");
                        WriteCanonical(w, schema);
                    }
                    break;
                default:
                    w.WriteString("type", "text");
                    break;
            }
            w.WriteEndObject();

            if (options?.Temperature is { } t) w.WriteString("temperature", t.ToString("R", CultureInfo.InvariantCulture));
            if (options?.Seed is { } seed) w.WriteNumber("seed", seed);
            w.WriteEndObject();
        }
        return SHA256.HashData(buffer.WrittenSpan);
    }

    /// <summary>A <see cref="Random"/> seeded from the fingerprint.</summary>
    public static Random CreateRandom(byte[] fingerprint) => new(BinaryPrimitives.ReadInt32LittleEndian(fingerprint));

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
