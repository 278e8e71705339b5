using System.Globalization;
using System.Text.RegularExpressions;

namespace MultiAgent.AiGateway.Simulated;

/// <summary>
/// Test-only steering of the simulated model: <c>[[sim:name=value;name2=value2]]</c> anywhere in the prompt.
/// Honoured only when <c>AI:Simulated:AllowDirectives</c> is true; otherwise <see cref="None"/> is used and the
/// markers are plain (inert) text. Names are case-insensitive; later markers override earlier ones.
/// Documented in docs/simulated-model.md. Extend by adding typed accessors here and reading them in the generator.
/// </summary>
public sealed partial class SimDirectives
{
    public static readonly SimDirectives None = new(new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase));

    private readonly Dictionary<string, string> _values;

    private SimDirectives(Dictionary<string, string> values) => _values = values;

    /// <summary>Every name=value pair found, names case-insensitive.</summary>
    public IReadOnlyDictionary<string, string> Values => _values;

    public bool IsEmpty => _values.Count == 0;

    public static SimDirectives Parse(IEnumerable<string> texts)
    {
        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var text in texts)
        {
            foreach (Match match in MarkerRegex().Matches(text))
            {
                foreach (var pair in match.Groups["body"].Value.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                {
                    var eq = pair.IndexOf('=');
                    if (eq <= 0) continue;
                    values[pair[..eq].Trim()] = pair[(eq + 1)..].Trim();
                }
            }
        }
        return values.Count == 0 ? None : new SimDirectives(values);
    }

    /// <summary>Removes the markers from a text (they are never answer material).</summary>
    public static string Strip(string text) => MarkerRegex().Replace(text, " ");

    public string? Get(string name) => _values.TryGetValue(name, out var v) ? v : null;

    /// <summary><c>fail=malformed</c> (invalid JSON) or <c>fail=schema</c> (valid JSON missing required properties).</summary>
    public string? Fail => Get("fail")?.ToLowerInvariant();

    /// <summary><c>dependencies=chain</c> or <c>dependencies=cycle</c> (default: the last item depends on all earlier ones).</summary>
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

    [GeneratedRegex(@"\[\[sim:(?<body>[^\]]*)\]\]", RegexOptions.IgnoreCase)]
    private static partial Regex MarkerRegex();
}
