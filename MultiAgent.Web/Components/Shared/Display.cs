using System.Globalization;
using System.Text.Json.Serialization;
using MultiAgent.Contracts;
using MultiAgent.Web.Services;
using Microsoft.FluentUI.AspNetCore.Components;

namespace MultiAgent.Web.Components.Shared;

/// <summary>An agent's status on GET /api/v1/agents.</summary>
public static class AgentStates
{
    public const string Idle = "idle";
    public const string Busy = "busy";
    public const string Maintenance = "maintenance";

    /// <summary>Idle reads quiet, busy active, maintenance as a warning.</summary>
    public static string Tone(string status) => status switch
    {
        Busy => "active",
        Maintenance => "warning",
        _ => "neutral",
    };
}

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

    /// <summary>The Fluent UI badge colour of a tone (<see cref="StatusTone"/>, <see cref="AgentStates.Tone"/>).</summary>
    public static BadgeColor BadgeColorOf(string tone) => tone switch
    {
        "success" => BadgeColor.Success,
        "danger" => BadgeColor.Danger,
        "warning" => BadgeColor.Warning,
        "muted" => BadgeColor.Subtle,
        "active" => BadgeColor.Brand,
        _ => BadgeColor.Informative,
    };

    /// <summary>
    /// Whether a task's status can still change (the list keeps polling while one on screen can). By name, so it reads the
    /// wire string and a status enum alike: completed, failed and cancelled are final.
    /// </summary>
    public static bool IsRunning(object? status) =>
        status?.ToString() is { Length: > 0 } name
        && !FinalStatuses.Contains(name.Replace("_", "", StringComparison.Ordinal), StringComparer.OrdinalIgnoreCase);

    private static readonly string[] FinalStatuses = ["completed", "failed", "cancelled"];

    /// <summary>
    /// A moment in the viewer's time zone (<see cref="ViewerTimeZone"/>; UTC until the browser has said), with its offset:
    /// "2026-12-01 09:05:12 UTC+05:30", or "… UTC".
    /// </summary>
    public static string DateTime(DateTimeOffset? time, TimeZoneInfo? zone) =>
        time is { } t ? Format(Local(t, zone), "yyyy-MM-dd HH:mm:ss") : "—";

    /// <summary>The time of day in the viewer's time zone, "09:05:12".</summary>
    public static string TimeOfDay(DateTimeOffset time, TimeZoneInfo? zone) =>
        Local(time, zone).ToString("HH:mm:ss", CultureInfo.InvariantCulture);

    /// <summary>A short moment for chart axes in the viewer's time zone, "Dec 1 09:05 UTC+05:30".</summary>
    public static string ShortDateTime(DateTimeOffset time, TimeZoneInfo? zone) => Format(Local(time, zone), "MMM d HH:mm");

    private static string Format(DateTimeOffset local, string pattern) =>
        local.ToString(pattern, CultureInfo.InvariantCulture) + " " + OffsetLabel(local.Offset);

    private static DateTimeOffset Local(DateTimeOffset time, TimeZoneInfo? zone) => TimeZoneInfo.ConvertTime(time, zone ?? TimeZoneInfo.Utc);

    private static string OffsetLabel(TimeSpan offset) =>
        offset == TimeSpan.Zero ? "UTC" : "UTC" + (offset < TimeSpan.Zero ? "-" : "+") + offset.Duration().ToString(@"hh\:mm", CultureInfo.InvariantCulture);

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
            { TotalMinutes: < 90 } => Plural.Of((long)Math.Round(span.TotalMinutes), "minute"),
            { TotalHours: < 36 } => Plural.Of((long)Math.Round(span.TotalHours), "hour"),
            _ => Plural.Of((long)Math.Round(span.TotalDays), "day"),
        };
        return future ? "in " + text : text + " ago";
    }

    /// <summary>
    /// The header's words for a running task's estimated completion. An estimate made from the first steps' pace is rough, so a task
    /// reads as late only once the estimate has passed by a margin (a quarter of the estimated run, at least 30 s); until then it is "due now".
    /// </summary>
    public static string Estimate(DateTimeOffset estimatedCompletion, DateTimeOffset startedAt, DateTimeOffset now)
    {
        if (estimatedCompletion >= now)
        {
            return "Estimated completion " + Relative(estimatedCompletion, now);
        }

        var estimatedRun = estimatedCompletion - startedAt;
        var grace = TimeSpan.FromTicks(Math.Max(TimeSpan.FromSeconds(30).Ticks, estimatedRun.Ticks / 4));
        return now - estimatedCompletion <= grace
            ? "Estimated completion: due now"
            : $"Taking longer than the estimated {Duration(estimatedRun)}";
    }

    /// <summary>A length of time in the largest unit that fits: "45 seconds", "3 minutes", "2 hours".</summary>
    public static string Duration(TimeSpan span) => span switch
    {
        { TotalSeconds: < 90 } => Plural.Of(Math.Max(0, (long)Math.Round(span.TotalSeconds)), "second"),
        { TotalMinutes: < 90 } => Plural.Of((long)Math.Round(span.TotalMinutes), "minute"),
        { TotalHours: < 36 } => Plural.Of((long)Math.Round(span.TotalHours), "hour"),
        _ => Plural.Of((long)Math.Round(span.TotalDays), "day"),
    };

    /// <summary>10000 → "10,000", whatever the server's culture.</summary>
    public static string Number(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    public static string Tokens(int count) => count.ToString("N0", CultureInfo.InvariantCulture);

    public static string Usd(decimal amount) => amount.ToString(amount < 1 ? "$0.0000" : "$#,##0.00", CultureInfo.InvariantCulture);

    public static string Percent(double fraction) => $"{Math.Round(fraction * 100):0}%";

    public static string InputClass(ApiError? error, string field) =>
        error?.ErrorsFor(field).Count > 0 ? "input input-invalid" : "input";
}
