using System.Globalization;
using System.Text.RegularExpressions;

namespace MultiAgent.AiGateway.Simulated;

/// <summary>
/// Test-only steering of the simulated model: <c>[[sim:name=value;name2=value2]]</c> anywhere in the prompt.
/// Honoured only when <c>AI:Simulated:AllowDirectives</c> is true; otherwise <see cref="None"/> is used and the
/// markers are plain (inert) text. Names are case-insensitive; later applicable markers override earlier ones per name.
/// A marker may carry conditions, <c>if=&lt;text&gt;</c> and <c>unless=&lt;text&gt;</c>, tested against the whole
/// conversation (every message, markers removed), so that one task description can steer single steps and attempts.
/// Documented in docs/simulated-model.md. Extend by adding typed accessors here and reading them in the generator.
/// </summary>
public sealed partial class SimDirectives
{
    public static readonly SimDirectives None = new(new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase));

    private readonly Dictionary<string, string> _values;

    private SimDirectives(Dictionary<string, string> values) => _values = values;

    /// <summary>Every name=value pair of the applicable markers, names case-insensitive (conditions are not included).</summary>
    public IReadOnlyDictionary<string, string> Values => _values;

    public bool IsEmpty => _values.Count == 0;

    /// <summary>
    /// Reads the markers of <paramref name="texts"/> (the conversation's messages, in order). A marker applies when all
    /// its conditions hold: <c>if=&lt;text&gt;</c> when the conversation contains the text, <c>unless=&lt;text&gt;</c>
    /// when it does not (case-insensitive, runs of whitespace count as one space, markers removed first).
    /// </summary>
    public static SimDirectives Parse(IEnumerable<string> texts)
    {
        var all = texts.ToList();
        string? conversation = null;
        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var text in all)
        {
            foreach (Match match in MarkerRegex().Matches(text))
            {
                var pairs = new List<(string Name, string Value)>();
                var applies = true;
                foreach (var pair in match.Groups["body"].Value.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                {
                    var eq = pair.IndexOf('=');
                    if (eq <= 0) continue;
                    var name = pair[..eq].Trim();
                    var value = pair[(eq + 1)..].Trim();
                    var isIf = name.Equals("if", StringComparison.OrdinalIgnoreCase);
                    if (isIf || name.Equals("unless", StringComparison.OrdinalIgnoreCase))
                    {
                        conversation ??= NormalizeSpace(string.Join('\n', all.Select(Strip)));
                        var contains = conversation.Contains(NormalizeSpace(value), StringComparison.OrdinalIgnoreCase);
                        applies &= isIf == contains;
                    }
                    else
                    {
                        pairs.Add((name, value));
                    }
                }

                if (!applies) continue;
                foreach (var (name, value) in pairs)
                {
                    values[name] = value;
                }
            }
        }
        return values.Count == 0 ? None : new SimDirectives(values);
    }

    /// <summary>Removes the markers from a text (they are never answer material).</summary>
    public static string Strip(string text) => MarkerRegex().Replace(text, " ");

    public string? Get(string name) => _values.TryGetValue(name, out var v) ? v : null;

    /// <summary><c>fail=malformed</c> (invalid JSON), <c>fail=schema</c> (valid JSON missing required properties), <c>fail=unavailable</c> (HTTP 503) or <c>fail=ratelimit</c> (HTTP 429).</summary>
    public string? Fail => Get("fail")?.ToLowerInvariant();

    /// <summary><c>dependencies=none|chain|cycle</c> (default: the last item depends on all earlier ones).</summary>
    public string? Dependencies => Get("dependencies")?.ToLowerInvariant();

    /// <summary><c>latency=&lt;ms&gt;</c>: replaces AI:Simulated:LatencyMs for this call.</summary>
    public int? LatencyMs => int.TryParse(Get("latency"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var ms) && ms >= 0 ? ms : null;

    /// <summary><c>number.&lt;property&gt;=&lt;value&gt;</c>: the value of every numeric property of that name.</summary>
    public bool TryGetNumber(string propertyName, out decimal value)
    {
        value = 0;
        return Get("number." + propertyName) is { } raw
               && decimal.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
    }

    /// <summary><c>bool.&lt;property&gt;=true|false</c>: the value of every boolean property of that name.</summary>
    public bool TryGetBool(string propertyName, out bool value)
    {
        value = false;
        return Get("bool." + propertyName) is { } raw && bool.TryParse(raw, out value);
    }

    /// <summary><c>count.&lt;property&gt;=&lt;n&gt;</c>: the number of items of every array property of that name (the caller clamps it).</summary>
    /// <summary><c>item.&lt;n&gt;.&lt;property&gt;=&lt;text&gt;</c>: the string property of the n-th item (1-based) of any array of objects.</summary>
    public bool TryGetItemString(int position, string propertyName, out string value)
    {
        value = Get($"item.{position}.{propertyName}") ?? "";
        return value.Length > 0;
    }

    public bool TryGetCount(string propertyName, out int count)
    {
        count = 0;
        return Get("count." + propertyName) is { } raw
               && int.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out count);
    }

    /// <summary>
    /// <c>parent.&lt;n&gt;=&lt;m&gt;</c>: the 1-based positions item <paramref name="position"/> of a plan depends on
    /// (<c>m</c> may be a comma-separated list, or <c>none</c>); null when there is no such directive.
    /// </summary>
    public IReadOnlyList<int>? ParentsOf(int position)
    {
        if (Get("parent." + position.ToString(CultureInfo.InvariantCulture)) is not { } raw) return null;
        return raw.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(p => int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out var m) ? m : 0)
            .Where(m => m > 0)
            .ToList();
    }

    private static string NormalizeSpace(string text) => WhitespaceRegex().Replace(text, " ").Trim();

    // The body may hold single ']' characters but not "]]"; ';' separates pairs, so values cannot contain it.
    [GeneratedRegex(@"\[\[sim:(?<body>(?:[^\]]|\](?!\]))*)\]\]", RegexOptions.IgnoreCase)]
    private static partial Regex MarkerRegex();

    [GeneratedRegex(@"\s+")]
    private static partial Regex WhitespaceRegex();
}
