using System.Globalization;

namespace MultiAgent.AiGateway.Resilience;

/// <summary>Retry-After parsing and the exponential backoff between attempts on one provider.</summary>
public static class RetryTiming
{
    /// <summary>First backoff; doubled per attempt, with ±20 % jitter, capped at <see cref="MaxBackoff"/>.</summary>
    public static readonly TimeSpan BaseBackoff = TimeSpan.FromMilliseconds(250);

    public static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(4);

    /// <summary>A provider asking for a longer pause than this is not waited for: the call moves to the next target.</summary>
    public static readonly TimeSpan MaxRetryAfterWait = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The delay a response asks for: <c>retry-after-ms</c> (OpenAI, milliseconds) first, else <c>Retry-After</c> as
    /// delta-seconds (fractions allowed) or an HTTP date. Null when absent, unparsable or negative.
    /// </summary>
    public static TimeSpan? Parse(string? retryAfter, string? retryAfterMs, DateTimeOffset now)
    {
        if (double.TryParse(retryAfterMs, NumberStyles.Float, CultureInfo.InvariantCulture, out var ms) && ms >= 0 && double.IsFinite(ms))
        {
            return TimeSpan.FromMilliseconds(ms);
        }

        var value = retryAfter?.Trim();
        if (string.IsNullOrEmpty(value)) return null;
        if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds))
        {
            return seconds >= 0 && double.IsFinite(seconds) ? TimeSpan.FromSeconds(seconds) : null;
        }

        if (DateTimeOffset.TryParseExact(value, "r", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date))
        {
            var delay = date - now;
            return delay > TimeSpan.Zero ? delay : TimeSpan.Zero;
        }
        return null;
    }

    /// <summary>The delay before attempt <paramref name="attempt"/> + 1 (attempt is 1-based): 250 ms, 500 ms, 1 s, ... ±20 %, at most 4 s.</summary>
    public static TimeSpan Backoff(int attempt, double jitter01)
    {
        var exponent = Math.Clamp(attempt - 1, 0, 16);
        var ms = Math.Min(BaseBackoff.TotalMilliseconds * Math.Pow(2, exponent), MaxBackoff.TotalMilliseconds);
        var factor = 0.8 + 0.4 * Math.Clamp(jitter01, 0, 1);
        return TimeSpan.FromMilliseconds(ms * factor);
    }

    /// <summary>Whole seconds for a Retry-After header (at least 1).</summary>
    public static string ToHeader(TimeSpan delay) =>
        Math.Max(1, (int)Math.Ceiling(delay.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
}
