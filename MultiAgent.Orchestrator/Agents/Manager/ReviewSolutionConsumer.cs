using System.Text.Json;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using MultiAgent.Contracts;
using MultiAgent.Contracts.Messages;
using MultiAgent.Data;
using MultiAgent.Orchestrator.Agents.Model;
using MultiAgent.Orchestrator.Workflow;

namespace MultiAgent.Orchestrator.Agents.Manager;

/// <summary>
/// Manager, review: the model scores the four criteria; the weighted score and the decision come from <see cref="ReviewRubric"/>.
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

    public sealed record ReviewRecord(double Score, ReviewDecision Decision, SolutionReviewAnswer Review);

    protected override string StepName => "Manager review";

    protected override string? AgentTypeFor(ReviewSolution message) => AgentTypes.Manager;

    protected override async Task ExecuteAsync(ConsumeContext<ReviewSolution> context)
    {
        var (taskId, subtaskId, solutionId, version) = context.Message;
        var ct = context.CancellationToken;
        var stepKey = $"review:{subtaskId}:v{version}";

        if (await Db.StoredRecordAsync<ReviewRecord>(stepKey, taskId, InteractionTypes.SolutionReview, ct) is { } record)
        {
            await context.Publish(new SolutionReviewed(taskId, subtaskId, solutionId, version, record.Decision, record.Score));
            return;
        }

        var subtask = await Db.Subtasks.FirstAsync(s => s.SubtaskId == subtaskId, ct);
        var solution = await Db.Solutions.FirstAsync(s => s.SolutionId == solutionId, ct);
        var requirements = JsonSerializer.Deserialize<DecomposeTaskConsumer.SubtaskRequirements>(subtask.Requirements!, AgentJson.Options)!;

        var task = await Db.LoadTaskAsync(taskId, ct);
        var material = $"""
            Overall task:
            {AgentRecords.Describe(task)}

            Subtask {requirements.PlanId}: {subtask.Title}
            Description: {subtask.Description}
            Expected deliverable: {requirements.Deliverable}

            Solution version {version}, by the {requirements.SpecialistType} specialist:
            {solution.Content}
            """;
        var review = await chat.AskAsync<SolutionReviewAnswer>(new AgentRequest(taskId, AgentTypes.Manager, Instructions, material), null, ct);

        var score = ReviewRubric.WeightedScore(review.Scores.Completeness, review.Scores.Accuracy, review.Scores.Relevance, review.Scores.Quality);
        var decision = ReviewRubric.Decide(score);
        var feedback = decision == ReviewDecision.Accepted || review.RevisionRequests.Count == 0
            ? review.Feedback
            : review.Feedback + "\n\nRevision requests:\n" + string.Join("\n", review.RevisionRequests.Select(r => "- " + r));
        var now = DateTime.UtcNow;

        solution.IsAccepted = decision == ReviewDecision.Accepted;
        solution.AcceptanceFeedback = feedback;
        subtask.AcceptanceStatus = decision switch
        {
            ReviewDecision.Accepted => AcceptanceStatuses.Accepted,
            ReviewDecision.NeedsRevision => AcceptanceStatuses.NeedsRevision,
            _ => AcceptanceStatuses.Rejected,
        };
        subtask.Status = decision == ReviewDecision.Accepted ? SubtaskStatuses.Completed : SubtaskStatuses.NeedsRevision;
        subtask.ManagerFeedback = feedback;
        subtask.ResultMetadata = JsonSerializer.Serialize(new { score, decision = subtask.AcceptanceStatus, version, solution_id = solutionId });
        subtask.UpdatedAt = now;

        var description = $"Reviewed \"{subtask.Title}\" v{version}: {score:0.00}/10, {subtask.AcceptanceStatus}";
        await Db.LogInteractionAsync(stepKey, taskId, AgentTypes.Manager, InteractionTypes.SolutionReview, InteractionTypes.SolutionReview,
            description, AgentJson.Serialize(new ReviewRecord(score, decision, review)), ct);
        await Db.SaveChangesAsync(ct);

        await context.Publish(TaskEvents.AgentActivity(taskId, AgentTypes.Manager, InteractionTypes.SolutionReview, description, now));
        await context.Publish(TaskEvents.SubtaskUpdate(taskId, subtaskId, subtask.Status, null, now));
        await context.Publish(new SolutionReviewed(taskId, subtaskId, solutionId, version, decision, score));
    }
}
