using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace MultiAgent.AiGateway.Simulated;

/// <summary>
/// Fills a JSON schema with an answer that validates against it, made of the prompt's words, with a
/// "competent model" policy: numbers in the upper part of their range, booleans true, arrays of plausible size,
/// and id-aware plans (sequential item ids; dependencies only on earlier items, the last item depending on all
/// earlier ones, unless a directive says otherwise). See docs/simulated-model.md for the supported keywords.
/// </summary>
public sealed class SchemaAnswerGenerator
{
    /// <summary>Deeper than this, optional properties are left out, arrays get their minimum and nullable values are null.</summary>
    public const int MaxDepth = 6;

    private static readonly string[] LongStringNames =
    [
        "content", "description", "summary", "analysis", "rationale", "reasoning", "explanation", "feedback", "detail",
        "body", "text", "answer", "report", "approach", "narrative", "justification", "finding", "conclusion",
        "solution", "result", "response", "message", "overview", "assessment", "note", "comment", "insight", "output",
        "deliverable", "methodology", "synthesis", "critique", "evaluation", "recommendation", "context", "reason",
    ];

    private static readonly string[] VeryLongStringNames = ["content", "answer", "report", "body", "solution", "deliverable", "output", "synthesis"];

    private static readonly string[] TitleStringNames =
    [
        "title", "name", "label", "heading", "headline", "subject", "topic", "role", "category", "type", "status",
        "area", "phase", "key", "owner", "specialist", "agent", "skill", "capability",
    ];

    private static readonly string[] ShortItemParentNames =
    [
        "tags", "keywords", "labels", "categories", "capabilities", "skills", "areas", "topics", "types", "names",
        "specialists", "agents", "roles", "focus",
    ];

    private static readonly string[] ReferenceParentNames = ["sources", "references", "citations", "bibliography"];

    private readonly JsonNode _root;
    private readonly Random _rng;
    private readonly PromptVocabulary _vocab;
    private readonly Dictionary<string, int> _idCounters = new(StringComparer.Ordinal);

    private SchemaAnswerGenerator(JsonNode root, Random rng, PromptVocabulary vocab)
    {
        _root = root;
        _rng = rng;
        _vocab = vocab;
    }

    /// <summary>An answer for <paramref name="schema"/>; with <paramref name="omitRequired"/> the root object lacks its required properties.</summary>
    public static JsonNode? Generate(JsonElement schema, Random rng, PromptVocabulary vocab, bool omitRequired = false)
    {
        var root = JsonNode.Parse(schema.GetRawText()) ?? JsonValue.Create(true);
        var generator = new SchemaAnswerGenerator(root, rng, vocab);
        return generator.Generate(root, name: null, depth: 0, slot: null, omitRequired);
    }

    // One item of an array of objects: its index, its own id (when it has an id property), and its dependencies.
    private sealed record ItemSlot(int Index, string? IdProperty, string? Id, string? DependenciesProperty, IReadOnlyList<string> Dependencies);

    private JsonNode? Generate(JsonNode? rawSchema, string? name, int depth, ItemSlot? slot, bool omitRequired = false)
    {
        var resolved = Resolve(rawSchema, 0);
        if (resolved is JsonValue boolSchema && boolSchema.TryGetValue<bool>(out var allowed))
        {
            return allowed ? JsonValue.Create(ShortText(name)) : null;
        }
        if (resolved is not JsonObject schema)
        {
            return JsonValue.Create(ShortText(name));
        }

        if (schema["allOf"] is JsonArray allOf)
        {
            schema = MergeAllOf(schema, allOf);
        }

        if (schema.TryGetPropertyValue("const", out var constValue))
        {
            return constValue?.DeepClone();
        }

        if (schema["enum"] is JsonArray { Count: > 0 } enumValues)
        {
            return PickEnum(enumValues, depth)?.DeepClone();
        }

        if ((schema["anyOf"] ?? schema["oneOf"]) is JsonArray { Count: > 0 } branches)
        {
            return Generate(MergeBranch(schema, ChooseBranch(branches, depth)), name, depth, slot, omitRequired);
        }

        // A nullable reference to another item (parent_id, replaces_id, …) has nothing to point to by default: null.
        if (name is not null && IsIdName(name) && slot?.IdProperty != name && Types(schema).Contains("null"))
        {
            return null;
        }

        return ChooseType(schema, depth) switch
        {
            "null" => null,
            "boolean" => JsonValue.Create(true),
            "integer" => GenerateNumber(schema, name, integer: true),
            "number" => GenerateNumber(schema, name, integer: false),
            "array" => GenerateArray(schema, name, depth, slot),
            "object" => GenerateObject(schema, depth, slot, omitRequired),
            _ => JsonValue.Create(GenerateString(schema, name, slot)),
        };
    }

    // ---- $ref, allOf, anyOf/oneOf ----

    private JsonNode? Resolve(JsonNode? schema, int guard)
    {
        if (guard > 32 || schema is not JsonObject obj || obj["$ref"] is not JsonValue refValue || !refValue.TryGetValue<string>(out var reference))
        {
            return schema;
        }

        var target = Resolve(ResolvePointer(reference), guard + 1);
        var siblings = obj.Where(p => p.Key != "$ref").ToList();
        if (siblings.Count == 0)
        {
            return target;
        }

        // $ref with sibling keywords: both apply. Keep the target's keywords and add the siblings it lacks
        // (System.Text.Json's exporter emits e.g. {"$ref": ..., "items": {}} for a repeated array type).
        var merged = target is JsonObject t ? (JsonObject)t.DeepClone() : new JsonObject();
        foreach (var (key, value) in siblings)
        {
            if (!merged.ContainsKey(key))
            {
                merged[key] = value?.DeepClone();
            }
        }
        return merged;
    }

    private JsonNode? ResolvePointer(string reference)
    {
        if (!reference.StartsWith('#'))
        {
            return null; // remote references are not fetched
        }

        JsonNode? node = _root;
        var pointer = Uri.UnescapeDataString(reference[1..]);
        if (pointer.Length == 0)
        {
            return node;
        }

        foreach (var rawSegment in pointer.TrimStart('/').Split('/'))
        {
            var segment = rawSegment.Replace("~1", "/").Replace("~0", "~");
            node = node switch
            {
                JsonObject o => o[segment],
                JsonArray a when int.TryParse(segment, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i < a.Count => a[i],
                _ => null,
            };
            if (node is null)
            {
                return null;
            }
        }
        return node;
    }

    private JsonObject MergeAllOf(JsonObject schema, JsonArray allOf)
    {
        var merged = new JsonObject();
        foreach (var (key, value) in schema)
        {
            if (key != "allOf") merged[key] = value?.DeepClone();
        }

        foreach (var part in allOf)
        {
            if (Resolve(part, 0) is not JsonObject p) continue;
            foreach (var (key, value) in p)
            {
                if (key == "properties" && value is JsonObject props)
                {
                    var target = merged["properties"] as JsonObject ?? (JsonObject)(merged["properties"] = new JsonObject());
                    foreach (var (propName, propSchema) in props)
                    {
                        if (!target.ContainsKey(propName)) target[propName] = propSchema?.DeepClone();
                    }
                }
                else if (key == "required" && value is JsonArray required)
                {
                    var target = merged["required"] as JsonArray ?? (JsonArray)(merged["required"] = new JsonArray());
                    var existing = target.Select(n => n?.ToString()).ToHashSet();
                    foreach (var r in required)
                    {
                        if (existing.Add(r?.ToString())) target.Add(r?.DeepClone());
                    }
                }
                else if (!merged.ContainsKey(key))
                {
                    merged[key] = value?.DeepClone();
                }
            }
        }
        return merged;
    }

    // First viable branch: the first that is not just null (null only when nothing else is, or when too deep).
    private JsonNode? ChooseBranch(JsonArray branches, int depth)
    {
        if (depth >= MaxDepth)
        {
            var nullBranch = branches.FirstOrDefault(b => IsNullOnly(Resolve(b, 0)));
            if (nullBranch is not null) return nullBranch;
        }
        return branches.FirstOrDefault(b => !IsNullOnly(Resolve(b, 0)) && !(Resolve(b, 0) is JsonValue v && v.TryGetValue<bool>(out var ok) && !ok))
               ?? branches[0];
    }

    private bool IsNullOnly(JsonNode? schema) =>
        schema is JsonObject o && o["type"] is JsonValue t && t.TryGetValue<string>(out var type) && type == "null";

    private JsonNode MergeBranch(JsonObject schema, JsonNode? branch)
    {
        var resolved = Resolve(branch, 0);
        if (resolved is not JsonObject b)
        {
            return resolved?.DeepClone() ?? JsonValue.Create(true);
        }

        var merged = (JsonObject)b.DeepClone();
        foreach (var (key, value) in schema)
        {
            if (key is "anyOf" or "oneOf" || merged.ContainsKey(key)) continue;
            merged[key] = value?.DeepClone();
        }
        return merged;
    }

    private JsonNode? PickEnum(JsonArray values, int depth)
    {
        var nonNull = values.Where(v => v is not null).ToList();
        if (nonNull.Count == 0 || (depth >= MaxDepth && nonNull.Count < values.Count))
        {
            return null;
        }
        return nonNull[_rng.Next(nonNull.Count)];
    }

    // ---- types ----

    private static List<string> Types(JsonObject schema)
    {
        var types = new List<string>();
        switch (schema["type"])
        {
            case JsonValue v when v.TryGetValue<string>(out var t):
                types.Add(t);
                break;
            case JsonArray a:
                types.AddRange(a.Select(n => n?.ToString()).OfType<string>());
                break;
        }
        return types;
    }

    private static string ChooseType(JsonObject schema, int depth)
    {
        var types = Types(schema);
        if (types.Count == 0)
        {
            // No type: infer it from the keywords present.
            if (schema.ContainsKey("properties") || schema.ContainsKey("required") || schema.ContainsKey("additionalProperties")) return "object";
            if (schema.ContainsKey("items") || schema.ContainsKey("prefixItems") || schema.ContainsKey("minItems") || schema.ContainsKey("maxItems")) return "array";
            if (schema.ContainsKey("minimum") || schema.ContainsKey("maximum") || schema.ContainsKey("exclusiveMinimum") || schema.ContainsKey("exclusiveMaximum")) return "number";
            return "string";
        }

        if (depth >= MaxDepth && types.Contains("null"))
        {
            return "null";
        }
        return types.FirstOrDefault(t => t != "null") ?? "null";
    }

    // ---- numbers ----

    private JsonNode GenerateNumber(JsonObject schema, string? name, bool integer)
    {

        var (lo, loExclusive) = Bound(schema, "minimum", "exclusiveMinimum", lower: true);
        var (hi, hiExclusive) = Bound(schema, "maximum", "exclusiveMaximum", lower: false);
        if (lo is null && hi is null)
        {
            // Unbounded: confidences and probabilities live in 0-1, everything else in 0-10 (scores land at 7-9.5).
            var n = NormalizeName(name);
            (lo, hi) = n.Contains("confidence") || n.Contains("probability") || n.Contains("likelihood") || n.Contains("certainty")
                ? (0d, 1d)
                : (0d, 10d);
        }
        else if (lo is null)
        {
            lo = hi!.Value - 10;
        }
        else if (hi is null)
        {
            hi = lo.Value + 10;
        }

        var fraction = 0.70 + _rng.NextDouble() * 0.25;
        var target = lo.Value + fraction * (hi.Value - lo.Value);
        var multipleOf = schema["multipleOf"] is JsonValue m && m.TryGetValue<double>(out var step) && step > 0 ? step : (double?)null;

        if (integer)
        {
            var iLo = loExclusive ? Math.Floor(lo.Value) + 1 : Math.Ceiling(lo.Value);
            var iHi = hiExclusive ? Math.Ceiling(hi.Value) - 1 : Math.Floor(hi.Value);
            var v = Math.Clamp(Math.Round(target), iLo, Math.Max(iLo, iHi));
            if (multipleOf is { } mi && mi >= 1 && Math.Abs(mi - Math.Round(mi)) < 1e-9)
            {
                v = SnapToMultiple(v, Math.Round(mi), iLo, iHi);
            }
            return JsonValue.Create((long)v);
        }

        if (multipleOf is { } md)
        {
            var snapped = SnapToMultiple(target, md, lo.Value, hi.Value, loExclusive, hiExclusive);
            return Math.Abs(snapped) < 1e15 ? JsonValue.Create(Math.Round((decimal)snapped, 10)) : JsonValue.Create(snapped);
        }

        if (Math.Abs(target) >= 1e15)
        {
            return JsonValue.Create(target);
        }

        // Two decimals where the range allows it (0.83, 8.75), more only for very narrow ranges.
        for (var decimals = 2; decimals <= 12; decimals++)
        {
            var rounded = Math.Round((decimal)target, decimals);
            if (InRange((double)rounded, lo.Value, hi.Value, loExclusive, hiExclusive))
            {
                return JsonValue.Create(rounded);
            }
        }
        return JsonValue.Create((decimal)target);
    }

    private static (double? Value, bool Exclusive) Bound(JsonObject schema, string inclusiveKey, string exclusiveKey, bool lower)
    {
        double? inclusive = schema[inclusiveKey] is JsonValue iv && iv.TryGetValue<double>(out var i) ? i : null;
        switch (schema[exclusiveKey])
        {
            // 2019-09 / 2020-12: exclusiveMinimum is a number.
            case JsonValue ev when ev.TryGetValue<double>(out var e):
                if (inclusive is null || (lower ? e >= inclusive : e <= inclusive)) return (e, true);
                return (inclusive, false);
            // draft-04: exclusiveMinimum is a boolean modifying minimum.
            case JsonValue bv when bv.TryGetValue<bool>(out var flag):
                return (inclusive, flag && inclusive is not null);
            default:
                return (inclusive, false);
        }
    }

    private static bool InRange(double v, double lo, double hi, bool loExclusive, bool hiExclusive) =>
        (loExclusive ? v > lo : v >= lo) && (hiExclusive ? v < hi : v <= hi);

    private static double SnapToMultiple(double v, double step, double lo, double hi, bool loExclusive = false, bool hiExclusive = false)
    {
        var k = Math.Round(v / step);
        foreach (var candidate in new[] { k, k - 1, k + 1, Math.Ceiling(lo / step), Math.Floor(hi / step) })
        {
            var snapped = (double)((decimal)candidate * (decimal)step);
            if (InRange(snapped, lo, hi, loExclusive, hiExclusive)) return snapped;
        }
        return (double)((decimal)k * (decimal)step);
    }

    // ---- strings ----

    private string GenerateString(JsonObject schema, string? name, ItemSlot? slot)
    {
        string text;
        if (name is not null && slot?.IdProperty == name && slot.Id is not null)
        {
            text = slot.Id;
        }
        else if (schema["format"] is JsonValue f && f.TryGetValue<string>(out var format) && FormattedString(format) is { } formatted)
        {
            return formatted; // length limits do not apply sensibly to formats
        }
        else if (name is not null && IsIdName(name))
        {
            var baseName = IdBaseName(name);
            text = slot is not null
                ? $"{baseName}_{slot.Index + 1}"
                : EchoIdFromPrompt(baseName) ?? $"{baseName}_1";
        }
        else
        {
            text = TextFor(name);
        }

        return FitLength(text, schema);
    }

    private string TextFor(string? name)
    {
        var n = NormalizeName(name);
        if (n.Length > 0 && TitleStringNames.Any(n.Contains) && !n.EndsWith("description", StringComparison.Ordinal))
        {
            return _vocab.Title(_rng);
        }
        if (n.Length > 0 && LongStringNames.Any(n.Contains))
        {
            return VeryLongStringNames.Any(n.Contains)
                ? _vocab.Sentences(_rng, _rng.Next(3, 7))
                : _vocab.Sentences(_rng, _rng.Next(2, 5));
        }
        return ShortText(name);
    }

    private string ShortText(string? name) => _vocab.Title(_rng);

    private string ItemText(string? parentName)
    {
        var n = NormalizeName(parentName);
        if (n.Length > 0 && ReferenceParentNames.Any(r => n == r || n.EndsWith(r, StringComparison.Ordinal))) return _vocab.Reference(_rng);
        return n.Length > 0 && ShortItemParentNames.Any(n.Contains)
            ? _vocab.Term(_rng)
            : _vocab.Sentence(_rng);
    }

    private string FitLength(string text, JsonObject schema)
    {
        var min = schema["minLength"] is JsonValue mn && mn.TryGetValue<int>(out var a) ? a : 0;
        var max = schema["maxLength"] is JsonValue mx && mx.TryGetValue<int>(out var b) ? b : int.MaxValue;

        var guard = 0;
        while (RuneLength(text) < min && guard++ < 1000)
        {
            text += " " + _vocab.Word(_rng);
        }

        if (RuneLength(text) > max)
        {
            text = TruncateRunes(text, max);
            var space = text.LastIndexOf(' ');
            if (space > 0 && RuneLength(text[..space]) >= min && space >= text.Length / 2)
            {
                text = text[..space];
            }
            text = text.TrimEnd();
            while (RuneLength(text) < min)
            {
                text += "x";
            }
        }
        return text;
    }

    private static int RuneLength(string s) => s.EnumerateRunes().Count();

    private static string TruncateRunes(string s, int max)
    {
        var sb = new StringBuilder();
        var count = 0;
        foreach (var rune in s.EnumerateRunes())
        {
            if (count++ >= max) break;
            sb.Append(rune.ToString());
        }
        return sb.ToString();
    }

    private string? FormattedString(string format)
    {
        var baseDate = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc)
            .AddDays(_rng.Next(0, 365)).AddMinutes(_rng.Next(0, 24 * 60));
        return format switch
        {
            "date-time" => baseDate.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            "date" => baseDate.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            "time" => baseDate.ToString("HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            "duration" => $"PT{_rng.Next(1, 48)}H",
            "uri" or "url" or "iri" or "uri-reference" or "iri-reference" => $"https://example.com/{_vocab.Slug(_rng)}/{_vocab.Slug(_rng)}",
            "email" or "idn-email" => $"{_vocab.Slug(_rng)}.{_vocab.Slug(_rng)}@example.com",
            "hostname" or "idn-hostname" => $"{_vocab.Slug(_rng)}.example.com",
            "uuid" => NewGuid().ToString("D"),
            "ipv4" => $"192.0.2.{_rng.Next(1, 255)}",
            "ipv6" => $"2001:db8::{_rng.Next(1, 0xffff):x}",
            _ => null,
        };
    }

    private Guid NewGuid()
    {
        var bytes = new byte[16];
        _rng.NextBytes(bytes);
        bytes[7] = (byte)((bytes[7] & 0x0F) | 0x40); // version 4
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80); // RFC 4122 variant
        return new Guid(bytes);
    }

    private string? EchoIdFromPrompt(string baseName)
    {
        // A competent model repeats the ids it was given, e.g. task_id -> "task_01jd..." found in the prompt.
        var match = Regex.Match(_vocab.FullText, $@"\b{Regex.Escape(baseName)}_(?=[A-Za-z]*[0-9])[A-Za-z0-9]{{3,}}\b", RegexOptions.None, TimeSpan.FromMilliseconds(200));
        return match.Success ? match.Value : null;
    }

    // ---- arrays ----

    private JsonNode GenerateArray(JsonObject schema, string? name, int depth, ItemSlot? slot)
    {
        var minItems = schema["minItems"] is JsonValue mn && mn.TryGetValue<int>(out var a) ? Math.Max(0, a) : 0;
        var maxItems = schema["maxItems"] is JsonValue mx && mx.TryGetValue<int>(out var b) ? Math.Max(0, b) : int.MaxValue;
        var unique = schema["uniqueItems"] is JsonValue u && u.TryGetValue<bool>(out var uq) && uq;

        // An item's dependencies: ids of earlier items of the same array only.
        if (name is not null && slot?.DependenciesProperty == name)
        {
            var deps = slot.Dependencies.ToList();
            if (deps.Count > maxItems) deps = deps.Skip(deps.Count - maxItems).ToList();
            return new JsonArray(deps.Select(d => (JsonNode?)JsonValue.Create(d)).ToArray());
        }

        // Dependencies outside a plan's items have nothing to refer to.
        if (name is not null && slot is null && IsDependenciesName(name) && IsPlainStringArray(schema) && minItems == 0)
        {
            return new JsonArray();
        }

        JsonNode? prefixSource = schema["prefixItems"] ?? (schema["items"] as JsonArray);
        var prefixItems = prefixSource as JsonArray ?? [];
        var itemsSchema = schema["items"] is JsonArray ? schema["additionalItems"] : schema["items"];
        var itemsForbidden = itemsSchema is JsonValue iv && iv.TryGetValue<bool>(out var itemsAllowed) && !itemsAllowed;

        // A plan (items with their own ids) has parts to relate: two to four of them, even when the caller's client dropped
        // minItems from the schema (OpenAI's strict mode does).
        var planItems = Resolve(itemsSchema, 0) is JsonObject { } planItem && planItem["properties"] is JsonObject planProps
                        && planProps.Any(p => IsIdName(p.Key) && IsPlainString(p.Value));
        var count = minItems > 0 ? minItems : depth >= MaxDepth ? 0 : planItems ? _rng.Next(2, 5) : _rng.Next(1, 4);
        count = Math.Max(count, Math.Min(prefixItems.Count, maxItems));
        count = Math.Min(count, maxItems);
        if (itemsForbidden) count = Math.Min(count, prefixItems.Count);

        // Arrays of objects with an id property form id-aware plans.
        var itemObject = Resolve(itemsSchema, 0) as JsonObject;
        string? idProperty = null, depsProperty = null;
        List<string>? ids = null;
        if (itemObject is not null && prefixItems.Count == 0 && itemObject["properties"] is JsonObject itemProps)
        {
            idProperty = itemProps.FirstOrDefault(p => IsIdName(p.Key) && IsPlainString(p.Value)).Key;
            depsProperty = itemProps.FirstOrDefault(p => IsDependenciesName(p.Key) && IsPlainStringArray(p.Value)).Key;
            if (idProperty is not null)
            {
                var prefix = IdPrefix(IdBaseName(idProperty));
                ids = [];
                for (var i = 0; i < count; i++)
                {
                    _idCounters[prefix] = _idCounters.GetValueOrDefault(prefix) + 1;
                    ids.Add(prefix + _idCounters[prefix].ToString(CultureInfo.InvariantCulture));
                }
            }
        }

        var result = new JsonArray();
        for (var i = 0; i < count; i++)
        {
            var itemSchema = i < prefixItems.Count ? prefixItems[i] : itemsSchema;
            ItemSlot? itemSlot = null;
            if (itemObject is not null && i >= prefixItems.Count)
            {
                itemSlot = new ItemSlot(i, idProperty, ids?[i], ids is null ? null : depsProperty, ids is null ? [] : DependenciesOf(i, ids));
            }

            JsonNode? item;
            var resolvedItem = Resolve(itemSchema, 0) as JsonObject;
            if (resolvedItem?["enum"] is JsonArray { Count: > 0 } choices)
            {
                // Enum items: prefer values not used yet (a competent model does not repeat itself).
                var unused = choices.Where(c => c is not null && !result.Any(existing => JsonNode.DeepEquals(existing, c))).ToList();
                if (unused.Count == 0)
                {
                    if (unique) break;
                    unused = choices.Where(c => c is not null).ToList();
                }
                item = unused.Count == 0 ? null : unused[_rng.Next(unused.Count)]!.DeepClone();
            }
            else
            {
                var plainString = itemSchema is null || (IsPlainString(itemSchema) && resolvedItem is not null && !resolvedItem.ContainsKey("format") && !resolvedItem.ContainsKey("pattern"));
                item = null;
                for (var attempt = 0; attempt < 10; attempt++)
                {
                    item = plainString
                        ? JsonValue.Create(resolvedItem is null ? ItemText(name) : FitLength(ItemText(name), resolvedItem))
                        : Generate(itemSchema, name is null ? null : Singular(name), depth + 1, itemSlot);
                    if (!result.Any(existing => JsonNode.DeepEquals(existing, item))) break;
                }

                if (unique && result.Any(existing => JsonNode.DeepEquals(existing, item)))
                {
                    if (!plainString || item is not JsonValue sv || !sv.TryGetValue<string>(out var str)) break; // stop short rather than answer invalid JSON
                    item = JsonValue.Create(MakeUnique(str, i + 1, resolvedItem, result));
                }
            }
            result.Add(item);
        }
        return result;
    }

    private static string MakeUnique(string text, int ordinal, JsonObject? schema, JsonArray existing)
    {
        var max = schema?["maxLength"] is JsonValue mx && mx.TryGetValue<int>(out var b) ? b : int.MaxValue;
        for (var n = ordinal; ; n++)
        {
            var suffix = n.ToString(CultureInfo.InvariantCulture);
            var candidate = max == int.MaxValue ? $"{text} {suffix}" : TruncateRunes(text, Math.Max(0, max - suffix.Length - 1)).TrimEnd() + " " + suffix;
            if (RuneLength(candidate) > max) candidate = suffix.Length <= max ? suffix : candidate;
            if (!existing.Any(e => e is JsonValue v && v.TryGetValue<string>(out var s) && s == candidate)) return candidate;
        }
    }

    private IReadOnlyList<string> DependenciesOf(int index, List<string> ids)
    {
        // The last part builds on all the others; the others can run in parallel.
        var last = ids.Count - 1;
        return index == last && last > 0 ? ids.Take(last).ToList() : [];
    }

    private bool IsPlainString(JsonNode? schema) =>
        Resolve(schema, 0) is JsonObject o
        && Types(o) is var types && types.Count > 0 && types[0] == "string"
        && !o.ContainsKey("enum") && !o.ContainsKey("const") && !o.ContainsKey("anyOf") && !o.ContainsKey("oneOf");

    private bool IsPlainStringArray(JsonNode? schema) =>
        Resolve(schema, 0) is JsonObject o && Types(o) is var types && types.Count > 0 && types[0] == "array"
        && (o["items"] is null || IsPlainString(o["items"]) || (Resolve(o["items"], 0) is JsonObject io && io.Count == 0));

    // ---- objects ----

    private JsonNode GenerateObject(JsonObject schema, int depth, ItemSlot? slot, bool omitRequired)
    {
        var result = new JsonObject();
        var required = schema["required"] is JsonArray r
            ? r.Select(n => n?.ToString()).OfType<string>().ToHashSet(StringComparer.Ordinal)
            : [];

        if (schema["properties"] is JsonObject properties && properties.Count > 0)
        {
            foreach (var (propName, propSchema) in properties)
            {
                if (omitRequired && required.Contains(propName)) continue;
                if (depth >= MaxDepth && !required.Contains(propName)) continue;
                var propSlot = slot is not null && (propName == slot.IdProperty || propName == slot.DependenciesProperty || IsIdName(propName)) ? slot : null;
                result[propName] = Generate(propSchema, propName, depth + 1, propSlot);
            }
        }
        else if (schema["additionalProperties"] is JsonObject valueSchema)
        {
            // A map: a few entries keyed by prompt words.
            var minProps = schema["minProperties"] is JsonValue mn && mn.TryGetValue<int>(out var a) ? a : 0;
            var maxProps = schema["maxProperties"] is JsonValue mx && mx.TryGetValue<int>(out var b) ? b : int.MaxValue;
            var count = Math.Min(Math.Max(minProps, depth >= MaxDepth ? 0 : _rng.Next(1, 4)), maxProps);
            for (var i = 0; i < count; i++)
            {
                var key = _vocab.Slug(_rng);
                while (result.ContainsKey(key)) key += (i + 1).ToString(CultureInfo.InvariantCulture);
                result[key] = Generate(valueSchema, key, depth + 1, null);
            }
        }

        if (!omitRequired)
        {
            foreach (var missing in required.Where(p => !result.ContainsKey(p)))
            {
                result[missing] = Generate(
                    schema["additionalProperties"] is JsonObject extra ? extra : JsonValue.Create(true), missing, depth + 1, null);
            }
        }
        return result;
    }

    // ---- names ----

    public static bool IsIdName(string name) =>
        name == "id"
        || name.EndsWith("_id", StringComparison.OrdinalIgnoreCase)
        || (name.Length > 2 && name.EndsWith("Id", StringComparison.Ordinal) && char.IsLower(name[^3]));

    public static bool IsDependenciesName(string name) => NormalizeName(name) is "dependencies" or "dependson";

    private static string IdBaseName(string idName)
    {
        if (idName == "id") return "item";
        var stem = idName.EndsWith("_id", StringComparison.OrdinalIgnoreCase) ? idName[..^3] : idName[..^2];
        var sb = new StringBuilder();
        foreach (var c in stem)
        {
            if (char.IsUpper(c) && sb.Length > 0) sb.Append('_');
            sb.Append(char.ToLowerInvariant(c));
        }
        return sb.Length == 0 ? "item" : sb.ToString();
    }

    // Own ids of plan items: st1, st2, ... for subtasks/steps/tasks/items; else the first two letters (ph1 for phase_id).
    private static string IdPrefix(string baseName)
    {
        if (baseName is "item" || baseName.Contains("task") || baseName.Contains("step")) return "st";
        var last = baseName.Split('_', StringSplitOptions.RemoveEmptyEntries).LastOrDefault() ?? "st";
        var letters = new string(last.Where(char.IsAsciiLetterLower).Take(2).ToArray());
        return letters.Length == 0 ? "st" : letters;
    }

    private static string NormalizeName(string? name) =>
        name is null ? "" : new string(name.Where(c => c is not ('_' or '-' or ' ')).Select(char.ToLowerInvariant).ToArray());

    private static string Singular(string name) =>
        name.EndsWith("ies", StringComparison.Ordinal) ? name[..^3] + "y"
        : name.EndsWith('s') && !name.EndsWith("ss", StringComparison.Ordinal) ? name[..^1]
        : name;
}
