using MultiAgent.Api.RateLimiting;

namespace MultiAgent.Tests.Api;

public class FixedWindowTests
{
    [Fact]
    public void Windows_are_aligned_on_the_epoch_and_reset_at_their_end()
    {
        var now = new DateTimeOffset(2026, 11, 25, 10, 17, 42, TimeSpan.Zero);

        var minute = FixedWindow.At(now, "minute", FixedWindow.Minute);
        Assert.Equal(new DateTimeOffset(2026, 11, 25, 10, 17, 0, TimeSpan.Zero), minute.Start);
        Assert.Equal(new DateTimeOffset(2026, 11, 25, 10, 18, 0, TimeSpan.Zero), minute.ResetAt);
        Assert.Equal(18, minute.SecondsUntilReset(now));

        var hour = FixedWindow.At(now, "hour", FixedWindow.Hour);
        Assert.Equal(new DateTimeOffset(2026, 11, 25, 11, 0, 0, TimeSpan.Zero), hour.ResetAt);
        Assert.Equal(42 * 60 + 18, hour.SecondsUntilReset(now));

        var day = FixedWindow.At(now, "day", FixedWindow.Day);
        Assert.Equal(new DateTimeOffset(2026, 11, 26, 0, 0, 0, TimeSpan.Zero), day.ResetAt);
    }

    [Fact]
    public void Consecutive_windows_have_consecutive_keys_and_a_window_keeps_its_key()
    {
        var start = new DateTimeOffset(2026, 11, 25, 10, 0, 0, TimeSpan.Zero);
        var first = FixedWindow.At(start, "minute", FixedWindow.Minute);
        var last = FixedWindow.At(start.AddSeconds(59.999), "minute", FixedWindow.Minute);
        var next = FixedWindow.At(start.AddSeconds(60), "minute", FixedWindow.Minute);

        Assert.Equal(first.Key("user_a", "api"), last.Key("user_a", "api"));
        Assert.Equal(first.Index + 1, next.Index);
        Assert.Equal($"ratelimit:user_a:api:minute-{first.Index}", first.Key("user_a", "api"));
        Assert.NotEqual(first.Key("user_a", "api"), first.Key("user_b", "api"));
    }

    [Fact]
    public void Retry_after_is_at_least_one_second_and_the_key_outlives_the_window()
    {
        var now = new DateTimeOffset(2026, 11, 25, 10, 0, 59, 900, TimeSpan.Zero);
        var window = FixedWindow.At(now, "minute", FixedWindow.Minute);
        Assert.Equal(1, window.SecondsUntilReset(now));
        Assert.True(window.KeyLifetime(now) > window.ResetAt - now);
    }

    [Fact]
    public void Decision_reports_remaining_allowance_never_below_zero()
    {
        var now = new DateTimeOffset(2026, 11, 25, 10, 0, 30, TimeSpan.Zero);
        var rule = new RateLimitRule("api", FixedWindow.At(now, "minute", FixedWindow.Minute), 100);
        Assert.Equal(40, new RateLimitDecision(true, rule, 60, now).Remaining);
        Assert.Equal(0, new RateLimitDecision(false, rule, 105, now).Remaining);
        Assert.Equal(30, new RateLimitDecision(false, rule, 105, now).RetryAfterSeconds);
    }
}
