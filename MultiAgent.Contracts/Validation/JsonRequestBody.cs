using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace MultiAgent.Contracts.Validation;

/// <summary>
/// Why a JSON request body could not be read. With <see cref="Errors"/> empty the body as a whole is unusable
/// (missing, malformed, not an object); otherwise fields had the wrong JSON type.
/// </summary>
public sealed record JsonBodyError(string Title, string Detail, IReadOnlyDictionary<string, string[]> Errors);

/// <summary>Reads a request body into a request record, turning every failure into a message the caller can act on.</summary>
public static class JsonRequestBody
{
    public static bool TryParse<T>(ReadOnlyMemory<byte> utf8Json, [NotNullWhen(true)] out T? value, [NotNullWhen(false)] out JsonBodyError? error)
        where T : class
    {
        value = null;
        if (IsBlank(utf8Json.Span))
        {
            error = new JsonBodyError("Request body required", "Send a JSON object as the request body.", Empty);
            return false;
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(utf8Json);
        }
        catch (JsonException ex)
        {
            error = new JsonBodyError("Malformed JSON", $"The request body is not valid JSON: {ex.Message}", Empty);
            return false;
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                error = new JsonBodyError("Invalid request body", "The request body must be a JSON object.", Empty);
                return false;
            }

            try
            {
                value = document.RootElement.Deserialize<T>(JsonDefaults.Options);
            }
            catch (JsonException ex)
            {
                var field = FieldOf(ex.Path);
                var errors = new ValidationErrors();
                errors.Add(field, $"Expected {ExpectedType<T>(field)}.");
                error = new JsonBodyError("One or more validation errors occurred.", "A field has the wrong JSON type.", errors.ToDictionary());
                return false;
            }
        }

        if (value is null)
        {
            error = new JsonBodyError("Invalid request body", "The request body must be a JSON object.", Empty);
            return false;
        }

        error = null;
        return true;
    }

    private static readonly IReadOnlyDictionary<string, string[]> Empty = new Dictionary<string, string[]>();

    private static bool IsBlank(ReadOnlySpan<byte> span)
    {
        foreach (var b in span)
        {
            if (b is not ((byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n'))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>"$.specific_areas[3]" → "specific_areas".</summary>
    internal static string FieldOf(string? path)
    {
        if (string.IsNullOrEmpty(path) || !path.StartsWith("$.", StringComparison.Ordinal))
        {
            return "body";
        }
        var name = path.AsSpan(2);
        var end = name.IndexOfAny('.', '[');
        return (end < 0 ? name : name[..end]).ToString();
    }

    private static string ExpectedType<T>(string field)
    {
        var info = JsonDefaults.Options.GetTypeInfo(typeof(T));
        var property = info.Properties.FirstOrDefault(p => string.Equals(p.Name, field, StringComparison.OrdinalIgnoreCase));
        return property is null ? "a different JSON type" : Describe(property);
    }

    private static string Describe(JsonPropertyInfo property)
    {
        var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
        if (type == typeof(string)) return "a string";
        if (type == typeof(bool)) return "a boolean";
        if (type == typeof(int) || type == typeof(long) || type == typeof(double) || type == typeof(decimal)) return "a number";
        if (type != typeof(string) && typeof(System.Collections.IEnumerable).IsAssignableFrom(type))
        {
            var item = type.IsArray ? type.GetElementType() : type.GetGenericArguments().FirstOrDefault();
            return item == typeof(string) ? "an array of strings" : "an array";
        }
        return "a JSON object";
    }
}
