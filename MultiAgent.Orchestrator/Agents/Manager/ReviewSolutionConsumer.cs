using MassTransit;
using Microsoft.EntityFrameworkCore;
using MultiAgent.Contracts;
using MultiAgent.Contracts.Api;
using MultiAgent.Contracts.Messages;
using MultiAgent.Data;
using MultiAgent.Data.Entities;
using MultiAgent.Orchestrator.Agents.Model;

namespace MultiAgent.Orchestrator.Agents.Manager;

/// <summary>
/// Manager, review: the model scores the four criteria; the weighted score and the decision come from <see cref="ReviewRubric"/>.
/// The step records its verdict on the solution version it reviewed and the reviewed agent's rating, all in one transaction;
/// what happens to the subtask is the workflow's decision.
/// </summary>
public sealed class ReviewSolutionConsumer(MultiAgentDbContext db, AgentChat chat, ILogger<ReviewSolutionConsumer> logger)
    : AgentStepConsumer<ReviewSolution>(db, logger)
{
    public const string Instructions = """
        You are the Manager reviewing a specialist's solution to a subtask. Score it from 0 to 10 on each criterion:
        completeness (addresses every requirement and deliverable, with supporting evidence), accuracy (correct, logical, no
        contradictions), relevance (on the subtask's objective and within scope) and quality (well structured, clear, detailed,
        actionable). Name specific strengths and weaknesses, recommend ACCEPT, NEEDS_REVISION or REJECT, give detailed
        feedback, and list specific revision requests when the solution needs work.
        Answer only with the JSON object described by the response schema.
        """;

    public sealed record ReviewRecord(double Score, ReviewDecision Decision, string Feedback, SolutionReviewAnswer Review);

    protected override string StepName => "Manager review";

    protected override string? AgentTypeFor(ReviewSolution message) => AgentTypes.Manager;

    protected override async Task ExecuteAsync(ConsumeContext<ReviewSolution> context)
    {
        var (taskId, subtaskId, solutionId, version) = context.Message;
        var ct = context.CancellationToken;
        var stepKey = $"review:{subtaskId}:v{version}";
        var recordId = AgentRecords.InteractionId(taskId, stepKey, InteractionTypes.SolutionReview);

        if (await ReadAsync(taskId, [recordId], ct) is not { } read) return;
        if (read.Record(recordId) is { } stored)
        {
            var record = read.Metadata<ReviewRecord>(recordId)!;
            await context.Publish(new SolutionReviewed(taskId, subtaskId, solutionId, version, record.Decision, record.Score, record.Feedback,
                stored.Description ?? "", stored.Timestamp));
            return;
        }

        var input = await Db.Solutions.AsNoTracking()
            .Where(s => s.SolutionId == solutionId)
            .Select(s => new
            {
                s.Content,
                s.AgentId,
                Subtask = Db.Subtasks.Where(x => x.SubtaskId == subtaskId).Select(x => new { x.Title, x.Description, x.Requirements, x.SpecialistType }).First(),
            })
            .FirstAsync(ct);
        var subtask = input.Subtask;
        var specialist = AgentTypes.TypeOf(input.AgentId ?? AgentTypes.AgentId(subtask.SpecialistType));
        var material = $"""
            Overall task:
            {AgentRecords.Describe(read.Task)}

            Subtask {subtask.Requirements.PlanId}: {subtask.Title}
            Description: {subtask.Description}
            Expected deliverable: {subtask.Requirements.Deliverable}

            Solution version {version}, by the {specialist} specialist:
            {input.Content}
            """;
        var review = await chat.AskAsync<SolutionReviewAnswer>(new AgentRequest(read.Task, AgentTypes.Manager, Instructions, material, stepKey), null, ct);

        var scores = review.Scores;
        var score = ReviewRubric.WeightedScore(scores.Completeness, scores.Accuracy, scores.Relevance, scores.Quality);
        var decision = ReviewRubric.Decide(score);
        var feedback = decision == ReviewDecision.Accepted || review.RevisionRequests.Count == 0
            ? review.Feedback
            : review.Feedback + "\n\nRevision requests:\n" + string.Join("\n", review.RevisionRequests.Select(r => "- " + r));
        var verdict = decision switch
        {
            ReviewDecision.Accepted => AcceptanceStatus.Accepted,
            ReviewDecision.NeedsRevision => AcceptanceStatus.NeedsRevision,
            _ => AcceptanceStatus.Rejected,
        };
        var solutionReview = new ManagerReview(scores.Completeness, scores.Accuracy, scores.Relevance, scores.Quality, score, verdict, review.Feedback,
            review.Strengths, review.Weaknesses, review.RevisionRequests);

        var now = DateTime.UtcNow;
        var description = $"Reviewed \"{subtask.Title}\" v{version}: {score:0.00}/10, {verdict.Name().Replace('_', ' ')}";
        Db.LogInteraction(stepKey, taskId, AgentTypes.Manager, InteractionTypes.SolutionReview, InteractionTypes.SolutionReview,
            description, AgentJson.Serialize(new ReviewRecord(score, decision, feedback, review)));
        var solution = Db.Solutions.Attach(new SolutionEntity { SolutionId = solutionId, TaskId = taskId, SolutionType = SolutionTypes.Subtask, Content = "" });
        solution.Entity.IsAccepted = decision == ReviewDecision.Accepted;
        solution.Entity.AcceptanceFeedback = feedback;
        solution.Entity.Review = solutionReview;
        solution.Property(x => x.IsAccepted).IsModified = true;
        solution.Property(x => x.AcceptanceFeedback).IsModified = true;
        solution.Property(x => x.Review).IsModified = true;

        // The verdict, the review record and the specialist's rating are stored together, so a redelivered review counts once.
        await using (var transaction = await Db.Database.BeginTransactionAsync(ct))
        {
            await Db.SaveChangesAsync(ct);
            await AgentRatings.RecordAsync(Db, AgentTypes.AgentId(specialist), score, decision == ReviewDecision.Accepted, now, ct);
            await transaction.CommitAsync(ct);
        }

        await context.Publish(new SolutionReviewed(taskId, subtaskId, solutionId, version, decision, score, feedback, description, now));
    }
}

/// <summary>agents.total_tasks_completed and average_rating: maintained by the manager's reviews.</summary>
public static class AgentRatings
{
    /// <summary>
    /// Adds one review score to the agent's running mean and, when accepted, one completed subtask. Written as SQL: EF Core
    /// casts the count to the rating's own type (numeric(4,2)) in the mean, which overflows at the agent's 100th review and
    /// then failed every review of that specialist.
    /// </summary>
    public static Task<int> RecordAsync(MultiAgentDbContext db, string agentId, double score, bool accepted, DateTime now, CancellationToken ct)
    {
        var value = (decimal)Math.Round(score, 2);
        var completed = accepted ? 1 : 0;
        return db.Database.ExecuteSqlAsync($"""
            UPDATE agents
            SET average_rating = round((coalesce(average_rating, 0)::numeric * rating_count + {value}) / (rating_count + 1), 2),
                rating_count = rating_count + 1,
                total_tasks_completed = total_tasks_completed + {completed},
                updated_at = {now}
            WHERE agent_id = {agentId}
            """, ct);
    }
}
