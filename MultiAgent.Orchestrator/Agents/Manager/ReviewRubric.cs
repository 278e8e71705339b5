using MultiAgent.Contracts.Messages;

namespace MultiAgent.Orchestrator.Agents.Manager;

/// <summary>The design document's acceptance rubric. The weighted score is computed here, never taken from the model.</summary>
public static class ReviewRubric
{
    public const double CompletenessWeight = 0.30;
    public const double AccuracyWeight = 0.30;
    public const double RelevanceWeight = 0.20;
    public const double QualityWeight = 0.20;

    public const double AcceptThreshold = 7.0;
    public const double RevisionThreshold = 5.0;

    /// <summary>Weighted average of the four criteria (each clamped to 0–10), rounded to two decimals.</summary>
    public static double WeightedScore(double completeness, double accuracy, double relevance, double quality)
    {
        var score = (decimal)Clamp(completeness) * 0.30m + (decimal)Clamp(accuracy) * 0.30m
                  + (decimal)Clamp(relevance) * 0.20m + (decimal)Clamp(quality) * 0.20m;
        return (double)Math.Round(score, 2, MidpointRounding.AwayFromZero);
    }

    /// <summary>≥ 7.0 accepted; 5.0 to 6.99 needs revision; below 5.0 rejected.</summary>
    public static ReviewDecision Decide(double weightedScore) => weightedScore switch
    {
        >= AcceptThreshold => ReviewDecision.Accepted,
        >= RevisionThreshold => ReviewDecision.NeedsRevision,
        _ => ReviewDecision.Rejected,
    };

    private static double Clamp(double score) => double.IsFinite(score) ? Math.Clamp(score, 0, 10) : 0;
}
