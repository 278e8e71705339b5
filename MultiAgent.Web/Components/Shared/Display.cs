using System.Globalization;
using System.Text.Json.Serialization;
using MultiAgent.Contracts;
using MultiAgent.Web.Services;

namespace MultiAgent.Web.Components.Shared;

/// <summary>How wire values read on screen.</summary>
public static class Display
{
    /// <summary>A status or stage as the Api names it: an enum's wire name (<c>in_progress</c>), a string as it is.</summary>
    public static string? Name(object? value) => value switch
    {
        null => null,
        string text => text,
        Enum member => WireNames.GetOrAdd(member, static m => m.GetType().GetField(m.ToString())?
            .GetCustomAttributes(typeof(JsonStringEnumMemberNameAttribute), false)
            .Cast<JsonStringEnumMemberNameAttribute>().FirstOrDefault()?.Name ?? m.ToString()),
        _ => value.ToString(),
    };

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<Enum, string> WireNames = new();

    /// <summary><c>TaskStage.SpecialistExecution</c> → <c>Specialist execution</c>.</summary>
    public static string Humanize(Enum? value) => Humanize(Name(value));

    /// <summary><c>specialist_execution</c> → <c>Specialist execution</c>.</summary>
    public static string Humanize(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return "—";
        }

        var words = value.Replace('_', ' ').Trim();
        return char.ToUpperInvariant(words[0]) + words[1..];
    }

    /// <summary>The colour of a task, subtask, review or agent status.</summary>
    public static string StatusTone(object? status) => Name(status) switch
    {
        "completed" or "accepted" => "success",
        "failed" or "rejected" or "stopped" => "danger",
        "cancelled" => "muted",
        "revision_pending" or "revision_in_progress" or "needs_revision" => "warning",
        "pending" or "assigned" or "idle" => "neutral",
        null or "" => "neutral",
        _ => "active",
    };

    public static string Utc(DateTimeOffset? time) =>
        time?.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture) ?? "—";

    public static string Relative(DateTimeOffset? time, DateTimeOffset now)
    {
        if (time is null)
        {
            return "—";
        }

        var delta = now - time.Value;
        var future = delta < TimeSpan.Zero;
        var span = future ? -delta : delta;
        var text = span switch
        {
            { TotalSeconds: < 45 } => "a few seconds",
            { TotalMinutes: < 90 } => Plural((int)Math.Round(span.TotalMinutes), "minute"),
            { TotalHours: < 36 } => Plural((int)Math.Round(span.TotalHours), "hour"),
            _ => Plural((int)Math.Round(span.TotalDays), "day"),
        };
        return future ? "in " + text : text + " ago";
    }

    public static string Tokens(int count) => count.ToString("N0", CultureInfo.InvariantCulture);

    public static string Usd(decimal amount) => amount.ToString(amount < 1 ? "$0.0000" : "$#,##0.00", CultureInfo.InvariantCulture);

    public static string Percent(double fraction) => $"{Math.Round(fraction * 100):0}%";

    public static string InputClass(ApiError? error, string field) =>
        error?.ErrorsFor(field).Count > 0 ? "input input-invalid" : "input";

    private static string Plural(int n, string unit) => n == 1 ? $"1 {unit}" : $"{n} {unit}s";
}
