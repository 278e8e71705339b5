namespace MultiAgent.Web.Components.Charts;

/// <summary>One bar, slice or column: its label, value and tone (the badge tones of app.css: success, danger, active, warning, neutral, muted).</summary>
public sealed record ChartPoint(string Label, double Value, string Tone = "active", string? ValueText = null)
{
    public string Text => ValueText ?? Shared.Display.Number((long)Math.Round(Value));
}

/// <summary>One line of a time-series chart (e.g. tokens of one model).</summary>
public sealed record ChartSeries(string Name, string Tone, IReadOnlyList<(DateTimeOffset Time, double Value)> Points);
