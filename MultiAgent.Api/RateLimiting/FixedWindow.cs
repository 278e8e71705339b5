namespace MultiAgent.Api.RateLimiting;

/// <summary>
/// A fixed window aligned on the Unix epoch (every minute starts at :00), so all instances agree on its bounds
/// without talking to each other. Its Redis key names the window, and the key expires when the window ends.
/// </summary>
public readonly record struct FixedWindow(string Name, long Index, DateTimeOffset Start, DateTimeOffset ResetAt)
{
    public static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);
    public static readonly TimeSpan Hour = TimeSpan.FromHours(1);
    public static readonly TimeSpan Day = TimeSpan.FromDays(1);

    public static FixedWindow At(DateTimeOffset now, string name, TimeSpan length)
    {
        var seconds = (long)length.TotalSeconds;
        var index = now.ToUnixTimeSeconds() / seconds;
        var start = DateTimeOffset.FromUnixTimeSeconds(index * seconds);
        return new FixedWindow(name, index, start, start.AddSeconds(seconds));
    }

    /// <summary><c>ratelimit:{user_id}:{endpoint}:{window}</c>, the window as its name and index (<c>minute-29612345</c>).</summary>
    public string Key(string subject, string endpoint) => $"ratelimit:{subject}:{endpoint}:{Name}-{Index}";

    /// <summary>Whole seconds until the window resets; at least 1, as Retry-After wants.</summary>
    public int SecondsUntilReset(DateTimeOffset now) => Math.Max(1, (int)Math.Ceiling((ResetAt - now).TotalSeconds));

    /// <summary>Redis TTL of the counter: the rest of the window and a little slack for clock differences.</summary>
    public TimeSpan KeyLifetime(DateTimeOffset now) => TimeSpan.FromSeconds(SecondsUntilReset(now) + 5);
}

/// <summary>One limit to check: a counter in a window.</summary>
public sealed record RateLimitRule(string Endpoint, FixedWindow Window, long Limit);

/// <summary>What a rate-limit check found: the rule that decided it and its count.</summary>
public sealed record RateLimitDecision(bool Allowed, RateLimitRule Rule, long Current, DateTimeOffset Now)
{
    public long Remaining => Math.Max(0, Rule.Limit - Current);
    public int RetryAfterSeconds => Rule.Window.SecondsUntilReset(Now);
}
