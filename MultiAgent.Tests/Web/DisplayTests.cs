using MultiAgent.Contracts;
using MultiAgent.Web.Components.Shared;

namespace MultiAgent.Tests.Web;

public class DisplayTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void An_estimate_still_ahead_reads_as_the_time_left() =>
        Assert.Equal("Estimated completion in 2 minutes", Display.Estimate(Start.AddMinutes(3), Start, Start.AddMinutes(1)));

    [Fact]
    public void Right_after_submitting_a_task_is_never_late()
    {
        // The first steps' pace predicted 4 s; a second after it passed the task is due, not "taking longer".
        var estimate = Start.AddSeconds(4);
        var text = Display.Estimate(estimate, Start, Start.AddSeconds(5));
        Assert.Equal("Estimated completion: due now", text);
        Assert.DoesNotContain("longer", text);
    }

    [Fact]
    public void A_task_is_late_only_once_the_estimate_passed_by_a_quarter_of_the_run()
    {
        var estimate = Start.AddMinutes(4);
        Assert.Equal("Estimated completion: due now", Display.Estimate(estimate, Start, estimate.AddMinutes(1)));
        Assert.Equal("Taking longer than the estimated 4 minutes", Display.Estimate(estimate, Start, estimate.AddMinutes(1).AddSeconds(1)));
    }

    [Theory]
    [InlineData("in_progress", true)]
    [InlineData("revision_pending", true)]
    [InlineData("completed", false)]
    [InlineData("failed", false)]
    [InlineData("cancelled", false)]
    [InlineData(null, false)]
    public void A_status_is_running_until_it_is_final(string? status, bool running) => Assert.Equal(running, Display.IsRunning(status));

    [Fact]
    public void A_status_enum_reads_like_its_wire_name()
    {
        Assert.True(Display.IsRunning(SampleStatus.RevisionInProgress));
        Assert.False(Display.IsRunning(SampleStatus.Cancelled));
    }

    private enum SampleStatus
    {
        RevisionInProgress,
        Cancelled,
    }

    [Theory]
    [InlineData(1, "1 second")]
    [InlineData(45, "45 seconds")]
    [InlineData(120, "2 minutes")]
    [InlineData(7200, "2 hours")]
    public void Durations_read_in_the_largest_unit(int seconds, string expected) =>
        Assert.Equal(expected, Display.Duration(TimeSpan.FromSeconds(seconds)));

    [Theory]
    [InlineData(1, "theme", "1 theme")]
    [InlineData(2, "theme", "2 themes")]
    [InlineData(0, "task", "0 tasks")]
    [InlineData(1, "inconsistency", "1 inconsistency")]
    [InlineData(3, "inconsistency", "3 inconsistencies")]
    [InlineData(2, "day", "2 days")]
    [InlineData(2, "match", "2 matches")]
    [InlineData(1200, "gap", "1,200 gaps")]
    public void Counted_nouns_agree_with_their_number(int count, string noun, string expected) =>
        Assert.Equal(expected, Plural.Of(count, noun));

    [Fact]
    public void Irregular_plurals_are_given() => Assert.Equal("2 people", Plural.Of(2, "person", "people"));
}
