using System.Text.Json;

namespace MultiAgent.Api.Tasks;

/// <summary>
/// Reads fields of the jsonb columns, which the Data layer keeps as raw strings. Written by other services, so a
/// missing or malformed value reads as absent rather than failing the request.
/// </summary>
public static class StoredJson
{
    public static JsonElement? Parse(string? json)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(json);
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public static JsonElement? Field(JsonElement? value, string name) =>
        value is { ValueKind: JsonValueKind.Object } obj && obj.TryGetProperty(name, out var field) && field.ValueKind != JsonValueKind.Null
            ? field
            : null;

    public static string? String(JsonElement? obj, string name) =>
        Field(obj, name) is { ValueKind: JsonValueKind.String } field ? field.GetString() : null;

    public static double? Number(JsonElement? obj, string name) =>
        Field(obj, name) is { ValueKind: JsonValueKind.Number } field && field.TryGetDouble(out var number) ? number : null;

    public static int? Integer(JsonElement? obj, string name) =>
        Field(obj, name) is { ValueKind: JsonValueKind.Number } field && field.TryGetInt32(out var number) ? number : null;

    public static bool? Boolean(JsonElement? obj, string name) =>
        Field(obj, name) is { ValueKind: JsonValueKind.True or JsonValueKind.False } field ? field.GetBoolean() : null;

    /// <summary>An array field's items as text: strings as they are, anything else as its JSON.</summary>
    public static IReadOnlyList<string> Strings(JsonElement? obj, string name) => Strings(Field(obj, name));

    public static IReadOnlyList<string> Strings(JsonElement? value) =>
        value is { ValueKind: JsonValueKind.Array } array
            ? array.EnumerateArray()
                .Where(item => item.ValueKind != JsonValueKind.Null)
                .Select(item => item.ValueKind == JsonValueKind.String ? item.GetString()! : item.GetRawText())
                .ToList()
            : [];
}

public static class Utc
{
    public static DateTimeOffset ToOffset(DateTime value) => new(DateTime.SpecifyKind(value, DateTimeKind.Utc));

    public static DateTimeOffset? ToOffset(DateTime? value) => value is { } v ? ToOffset(v) : null;

    /// <summary>Now, at the microsecond precision Postgres stores, so a timestamp returned at once equals the one read back later.</summary>
    public static DateTimeOffset Now(TimeProvider time)
    {
        var now = time.GetUtcNow();
        return now.AddTicks(-(now.Ticks % 10));
    }
}
