using System.Text.Json;
using System.Text.RegularExpressions;

namespace MultiAgent.AiGateway.Protocol;

/// <summary>
/// Parses and validates an OpenAI chat completions request body, naming the offending field in every error
/// (deserializer exceptions would not).
/// </summary>
public static partial class ChatCompletionRequestParser
{
    private static readonly HashSet<string> Roles = ["system", "developer", "user", "assistant"];

    public static bool TryParse(JsonElement root, out ChatCompletionRequest? request, out WireError? error)
    {
        request = null;
        error = Parse(root, out var parsed);
        request = parsed;
        return error is null;
    }

    private static WireError? Parse(JsonElement root, out ChatCompletionRequest? request)
    {
        request = null;
        if (root.ValueKind != JsonValueKind.Object)
            return new("The request body must be a JSON object.", null);

        // model
        if (!root.TryGetProperty("model", out var modelEl) || modelEl.ValueKind == JsonValueKind.Null)
            return new("'model' is required.", "model", "missing_required_parameter");
        if (modelEl.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(modelEl.GetString()))
            return new("'model' must be a non-empty string.", "model");
        var model = modelEl.GetString()!.Trim();
        if (model.Length > 100)
            return new("'model' must be at most 100 characters.", "model");

        // messages
        if (!root.TryGetProperty("messages", out var messagesEl) || messagesEl.ValueKind == JsonValueKind.Null)
            return new("'messages' is required.", "messages", "missing_required_parameter");
        if (messagesEl.ValueKind != JsonValueKind.Array)
            return new("'messages' must be an array of messages.", "messages");
        if (messagesEl.GetArrayLength() == 0)
            return new("'messages' must contain at least one message.", "messages");

        var messages = new List<WireMessage>();
        var index = 0;
        foreach (var m in messagesEl.EnumerateArray())
        {
            var e = ParseMessage(m, index, out var message);
            if (e is not null) return e;
            messages.Add(message!);
            index++;
        }

        // sampling and limits
        if (Number(root, "temperature", 0, 2, out var temperature) is { } e1) return e1;
        if (Number(root, "top_p", 0, 1, out var topP) is { } e2) return e2;
        if (Number(root, "presence_penalty", -2, 2, out var presence) is { } e3) return e3;
        if (Number(root, "frequency_penalty", -2, 2, out var frequency) is { } e4) return e4;
        if (PositiveInt(root, "max_tokens", out var maxTokens) is { } e5) return e5;
        if (PositiveInt(root, "max_completion_tokens", out var maxCompletionTokens) is { } e6) return e6;

        long? seed = null;
        if (root.TryGetProperty("seed", out var seedEl) && seedEl.ValueKind != JsonValueKind.Null)
        {
            if (seedEl.ValueKind != JsonValueKind.Number || !seedEl.TryGetInt64(out var s))
                return new("'seed' must be an integer.", "seed");
            seed = s;
        }

        if (root.TryGetProperty("n", out var nEl) && nEl.ValueKind != JsonValueKind.Null)
        {
            if (nEl.ValueKind != JsonValueKind.Number || !nEl.TryGetInt32(out var n) || n != 1)
                return new("'n' must be 1: the gateway returns one choice per call.", "n", "unsupported_value");
        }

        foreach (var unsupported in (string[])["tools", "functions"])
        {
            if (root.TryGetProperty(unsupported, out var t) && t.ValueKind == JsonValueKind.Array && t.GetArrayLength() > 0)
                return new($"'{unsupported}' is not supported by the MultiAgent AI gateway.", unsupported, "unsupported_parameter");
        }

        // stop
        List<string>? stop = null;
        if (root.TryGetProperty("stop", out var stopEl) && stopEl.ValueKind != JsonValueKind.Null)
        {
            stop = [];
            if (stopEl.ValueKind == JsonValueKind.String)
            {
                stop.Add(stopEl.GetString()!);
            }
            else if (stopEl.ValueKind == JsonValueKind.Array)
            {
                foreach (var s in stopEl.EnumerateArray())
                {
                    if (s.ValueKind != JsonValueKind.String)
                        return new("'stop' must be a string or an array of strings.", "stop");
                    stop.Add(s.GetString()!);
                }
                if (stop.Count > 4)
                    return new("'stop' may hold at most 4 sequences.", "stop");
            }
            else
            {
                return new("'stop' must be a string or an array of strings.", "stop");
            }
            if (stop.Any(string.IsNullOrEmpty))
                return new("'stop' sequences must not be empty.", "stop");
        }

        // response_format
        WireResponseFormat? format = null;
        if (root.TryGetProperty("response_format", out var rfEl) && rfEl.ValueKind != JsonValueKind.Null)
        {
            var e = ParseResponseFormat(rfEl, out format);
            if (e is not null) return e;
        }

        // stream
        var stream = false;
        if (root.TryGetProperty("stream", out var streamEl) && streamEl.ValueKind != JsonValueKind.Null)
        {
            if (streamEl.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
                return new("'stream' must be a boolean.", "stream");
            stream = streamEl.GetBoolean();
        }

        var includeUsage = false;
        if (root.TryGetProperty("stream_options", out var soEl) && soEl.ValueKind != JsonValueKind.Null)
        {
            if (soEl.ValueKind != JsonValueKind.Object)
                return new("'stream_options' must be an object.", "stream_options");
            if (!stream)
                return new("'stream_options' is only allowed when 'stream' is true.", "stream_options");
            if (soEl.TryGetProperty("include_usage", out var iuEl) && iuEl.ValueKind != JsonValueKind.Null)
            {
                if (iuEl.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
                    return new("'stream_options.include_usage' must be a boolean.", "stream_options.include_usage");
                includeUsage = iuEl.GetBoolean();
            }
        }

        // user, metadata
        string? user = null;
        if (root.TryGetProperty("user", out var userEl) && userEl.ValueKind != JsonValueKind.Null)
        {
            if (userEl.ValueKind != JsonValueKind.String)
                return new("'user' must be a string.", "user");
            user = userEl.GetString();
        }

        Dictionary<string, string>? metadata = null;
        if (root.TryGetProperty("metadata", out var mdEl) && mdEl.ValueKind != JsonValueKind.Null)
        {
            if (mdEl.ValueKind != JsonValueKind.Object)
                return new("'metadata' must be an object of string values.", "metadata");
            metadata = [];
            foreach (var p in mdEl.EnumerateObject())
            {
                if (p.Value.ValueKind != JsonValueKind.String)
                    return new($"'metadata.{p.Name}' must be a string.", $"metadata.{p.Name}");
                metadata[p.Name] = p.Value.GetString()!;
            }
        }

        request = new ChatCompletionRequest
        {
            Model = model,
            Messages = messages,
            Temperature = temperature,
            TopP = topP,
            MaxTokens = maxCompletionTokens ?? maxTokens,
            Seed = seed,
            Stop = stop,
            PresencePenalty = presence,
            FrequencyPenalty = frequency,
            ResponseFormat = format,
            Stream = stream,
            IncludeUsage = includeUsage,
            User = user,
            Metadata = metadata,
        };
        return null;
    }

    private static WireError? ParseMessage(JsonElement m, int index, out WireMessage? message)
    {
        message = null;
        var at = $"messages[{index}]";
        if (m.ValueKind != JsonValueKind.Object)
            return new($"'{at}' must be an object with 'role' and 'content'.", at);

        if (!m.TryGetProperty("role", out var roleEl) || roleEl.ValueKind != JsonValueKind.String)
            return new($"'{at}.role' is required and must be one of: system, developer, user, assistant.", $"{at}.role", "missing_required_parameter");
        var role = roleEl.GetString()!;
        if (!Roles.Contains(role))
        {
            return role is "tool" or "function"
                ? new($"'{at}.role' '{role}' is not supported: the gateway does not do tool calling.", $"{at}.role", "unsupported_value")
                : new($"'{at}.role' '{role}' is invalid; expected one of: system, developer, user, assistant.", $"{at}.role");
        }

        var parts = new List<string>();
        if (!m.TryGetProperty("content", out var contentEl) || contentEl.ValueKind == JsonValueKind.Null)
        {
            if (role != "assistant")
                return new($"'{at}.content' is required.", $"{at}.content", "missing_required_parameter");
        }
        else if (contentEl.ValueKind == JsonValueKind.String)
        {
            parts.Add(contentEl.GetString()!);
        }
        else if (contentEl.ValueKind == JsonValueKind.Array)
        {
            var j = 0;
            foreach (var part in contentEl.EnumerateArray())
            {
                var partAt = $"{at}.content[{j}]";
                if (part.ValueKind != JsonValueKind.Object || !part.TryGetProperty("type", out var typeEl) || typeEl.ValueKind != JsonValueKind.String)
                    return new($"'{partAt}' must be an object with a 'type'.", partAt);
                var type = typeEl.GetString();
                if (type != "text")
                    return new($"'{partAt}.type' '{type}' is not supported; only text parts are.", $"{partAt}.type", "unsupported_value");
                if (!part.TryGetProperty("text", out var textEl) || textEl.ValueKind != JsonValueKind.String)
                    return new($"'{partAt}.text' is required and must be a string.", $"{partAt}.text", "missing_required_parameter");
                parts.Add(textEl.GetString()!);
                j++;
            }
        }
        else
        {
            return new($"'{at}.content' must be a string or an array of text parts.", $"{at}.content");
        }

        string? name = null;
        if (m.TryGetProperty("name", out var nameEl) && nameEl.ValueKind != JsonValueKind.Null)
        {
            if (nameEl.ValueKind != JsonValueKind.String)
                return new($"'{at}.name' must be a string.", $"{at}.name");
            name = nameEl.GetString();
        }

        message = new WireMessage(role, parts, name);
        return null;
    }

    private static WireError? ParseResponseFormat(JsonElement rf, out WireResponseFormat? format)
    {
        format = null;
        if (rf.ValueKind != JsonValueKind.Object || !rf.TryGetProperty("type", out var typeEl) || typeEl.ValueKind != JsonValueKind.String)
            return new("'response_format' must be an object with 'type': text, json_object or json_schema.", "response_format.type");

        switch (typeEl.GetString())
        {
            case "text":
                format = new WireResponseFormat(WireResponseFormatType.Text);
                return null;
            case "json_object":
                format = new WireResponseFormat(WireResponseFormatType.JsonObject);
                return null;
            case "json_schema":
                break;
            default:
                return new($"'response_format.type' '{typeEl.GetString()}' is invalid; expected text, json_object or json_schema.", "response_format.type");
        }

        if (!rf.TryGetProperty("json_schema", out var js) || js.ValueKind != JsonValueKind.Object)
            return new("'response_format.json_schema' is required when 'response_format.type' is json_schema.", "response_format.json_schema", "missing_required_parameter");

        if (!js.TryGetProperty("name", out var nameEl) || nameEl.ValueKind != JsonValueKind.String)
            return new("'response_format.json_schema.name' is required.", "response_format.json_schema.name", "missing_required_parameter");
        var name = nameEl.GetString()!;
        if (!SchemaNameRegex().IsMatch(name))
            return new("'response_format.json_schema.name' must be 1-64 characters of a-z, A-Z, 0-9, _ and -.", "response_format.json_schema.name");

        string? description = null;
        if (js.TryGetProperty("description", out var descEl) && descEl.ValueKind != JsonValueKind.Null)
        {
            if (descEl.ValueKind != JsonValueKind.String)
                return new("'response_format.json_schema.description' must be a string.", "response_format.json_schema.description");
            description = descEl.GetString();
        }

        JsonElement? schema = null;
        if (js.TryGetProperty("schema", out var schemaEl) && schemaEl.ValueKind != JsonValueKind.Null)
        {
            if (schemaEl.ValueKind is not (JsonValueKind.Object or JsonValueKind.True or JsonValueKind.False))
                return new("'response_format.json_schema.schema' must be a JSON Schema object.", "response_format.json_schema.schema");
            schema = schemaEl.Clone();
        }

        bool? strict = null;
        if (js.TryGetProperty("strict", out var strictEl) && strictEl.ValueKind != JsonValueKind.Null)
        {
            if (strictEl.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
                return new("'response_format.json_schema.strict' must be a boolean.", "response_format.json_schema.strict");
            strict = strictEl.GetBoolean();
        }

        format = new WireResponseFormat(WireResponseFormatType.JsonSchema, name, description, schema, strict);
        return null;
    }

    private static WireError? Number(JsonElement root, string name, double min, double max, out double? value)
    {
        value = null;
        if (!root.TryGetProperty(name, out var el) || el.ValueKind == JsonValueKind.Null) return null;
        if (el.ValueKind != JsonValueKind.Number)
            return new($"'{name}' must be a number between {min} and {max}.", name);
        var v = el.GetDouble();
        if (v < min || v > max)
            return new($"'{name}' must be between {min} and {max} (got {v}).", name);
        value = v;
        return null;
    }

    private static WireError? PositiveInt(JsonElement root, string name, out int? value)
    {
        value = null;
        if (!root.TryGetProperty(name, out var el) || el.ValueKind == JsonValueKind.Null) return null;
        if (el.ValueKind != JsonValueKind.Number || !el.TryGetInt32(out var v) || v < 1)
            return new($"'{name}' must be a positive integer.", name);
        value = v;
        return null;
    }

    [GeneratedRegex("^[a-zA-Z0-9_-]{1,64}$")]
    private static partial Regex SchemaNameRegex();
}
