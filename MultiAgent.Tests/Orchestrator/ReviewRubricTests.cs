using MultiAgent.Contracts.Messages;
using MultiAgent.Orchestrator.Agents.Manager;

namespace MultiAgent.Tests.Orchestrator;

public class ReviewRubricTests
{
    [Theory]
    [InlineData(4.99, ReviewDecision.Rejected)]
    [InlineData(5.0, ReviewDecision.NeedsRevision)]
    [InlineData(6.99, ReviewDecision.NeedsRevision)]
    [InlineData(7.0, ReviewDecision.Accepted)]
    [InlineData(0.0, ReviewDecision.Rejected)]
    [InlineData(10.0, ReviewDecision.Accepted)]
    public void Decision_follows_the_thresholds_at_their_boundaries(double score, ReviewDecision expected) =>
        Assert.Equal(expected, ReviewRubric.Decide(score));

    [Fact]
    public void Weighted_score_uses_the_design_weights()
    {
        // 0.3*10 + 0.3*5 + 0.2*0 + 0.2*5 = 5.5
        Assert.Equal(5.5, ReviewRubric.WeightedScore(10, 5, 0, 5));
        // Completeness and accuracy weigh more than relevance and quality.
        Assert.True(ReviewRubric.WeightedScore(9, 9, 5, 5) > ReviewRubric.WeightedScore(5, 5, 9, 9));
    }

    [Fact]
    public void Equal_scores_of_seven_are_exactly_at_the_acceptance_threshold()
    {
        var score = ReviewRubric.WeightedScore(7, 7, 7, 7);
        Assert.Equal(7.0, score);
        Assert.Equal(ReviewDecision.Accepted, ReviewRubric.Decide(score));
    }

    [Fact]
    public void Scores_just_below_the_threshold_need_revision()
    {
        // 0.3*7 + 0.3*7 + 0.2*7 + 0.2*6.95 = 6.99
        var score = ReviewRubric.WeightedScore(7, 7, 7, 6.95);
        Assert.Equal(6.99, score);
        Assert.Equal(ReviewDecision.NeedsRevision, ReviewRubric.Decide(score));
    }

    [Fact]
    public void Out_of_range_scores_are_clamped()
    {
        Assert.Equal(10.0, ReviewRubric.WeightedScore(15, 11, 10, 100));
        Assert.Equal(0.0, ReviewRubric.WeightedScore(-3, -1, double.NaN, double.NegativeInfinity));
    }
}
