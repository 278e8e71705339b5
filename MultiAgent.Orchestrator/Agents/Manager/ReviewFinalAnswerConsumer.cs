using System.Text.Json;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using MultiAgent.Contracts;
using MultiAgent.Contracts.Messages;
using MultiAgent.Data;
using MultiAgent.Orchestrator.Agents.Model;
using MultiAgent.Orchestrator.Workflow;

namespace MultiAgent.Orchestrator.Agents.Manager;

/// <summary>Manager, final review: approves the synthesised answer or sends it back to the Analyst with the issues.</summary>
public sealed class ReviewFinalAnswerConsumer(MultiAgentDbContext db, AgentChat chat, ILogger<ReviewFinalAnswerConsumer> logger)
    : AgentStepConsumer<ReviewFinalAnswer>(db, logger)
{
    public const string Instructions = """
        You are the Manager giving the final answer to a task its last review before it is delivered to the user. Check that
        it addresses every aspect of the original task, is logically consistent, supports its conclusions with evidence and is
        clear. Score it from 0 to 10, approve it or not, give feedback, and list the issues that must be fixed (none when approved).
        Answer only with the JSON object described by the response schema.
        """;

    public sealed record FinalReviewRecord(bool Approved, FinalReviewAnswer Review);

    protected override string StepName => "Final review";

    protected override string? AgentTypeFor(ReviewFinalAnswer message) => AgentTypes.Manager;

    protected override async Task ExecuteAsync(ConsumeContext<ReviewFinalAnswer> context)
    {
        var (taskId, solutionId, round) = context.Message;
        var ct = context.CancellationToken;
        var stepKey = $"final-review:{round}";
        var recordId = AgentRecords.InteractionId(taskId, stepKey, InteractionTypes.FinalReview);

        if (await ReadAsync(taskId, [recordId], ct) is not { } read) return;
        if (read.Record(recordId) is { } stored)
        {
            var record = read.Metadata<FinalReviewRecord>(recordId)!;
            await context.Publish(new FinalAnswerReviewed(taskId, solutionId, round, record.Approved, record.Review.Score, Summary(record.Review),
                stored.Description ?? "", stored.Timestamp));
            return;
        }

        var answer = await Db.Solutions.AsNoTracking().Where(s => s.SolutionId == solutionId).Select(s => s.Content).FirstAsync(ct);
        var review = await chat.AskAsync<FinalReviewAnswer>(new AgentRequest(read.Task, AgentTypes.Manager, Instructions, $"""
            {AgentRecords.Describe(read.Task)}

            {read.RevisionNote}

            Final answer draft to review:
            {answer}
            """, stepKey), null, ct);

        // The same bar as the subtask rubric: the model's approval counts only with a score that clears the acceptance threshold.
        var approved = review.Approved && review.Score >= ReviewRubric.AcceptThreshold;
        var now = DateTime.UtcNow;
        var description = approved
            ? $"Approved the final answer ({review.Score:0.0}/10)"
            : $"Sent the final answer back to the analyst ({review.Score:0.0}/10): {string.Join("; ", review.Issues.Take(3))}";
        Db.LogInteraction(stepKey, taskId, AgentTypes.Manager, InteractionTypes.FinalReview, InteractionTypes.FinalReview,
            description, AgentJson.Serialize(new FinalReviewRecord(approved, review)));
        await Db.SaveChangesAsync(ct);
        await context.Publish(new FinalAnswerReviewed(taskId, solutionId, round, approved, review.Score, Summary(review), description, now));
    }

    /// <summary>What the review said, as the analyst reads it on the next draft and the user sees with the answer.</summary>
    public static string Summary(FinalReviewAnswer review) =>
        review.Issues.Count == 0
            ? $"{review.Feedback.Trim()} (score {review.Score:0.0}/10)"
            : $"{review.Feedback.Trim()} (score {review.Score:0.0}/10) Issues: {string.Join("; ", review.Issues)}";
}
