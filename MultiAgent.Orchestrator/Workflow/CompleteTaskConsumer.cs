using System.Text.Json;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using MultiAgent.Contracts;
using MultiAgent.Contracts.Messages;
using MultiAgent.Data;
using MultiAgent.Data.Entities;
using MultiAgent.Orchestrator.Agents;
using MultiAgent.Orchestrator.Agents.Model;

namespace MultiAgent.Orchestrator.Workflow;

/// <summary>Stores the approved answer as the task's final solution and marks the task completed.</summary>
public sealed class CompleteTaskConsumer(MultiAgentDbContext db, ILogger<CompleteTaskConsumer> logger)
    : AgentStepConsumer<CompleteTask>(db, logger)
{
    protected override string StepName => "Completion";

    protected override async Task ExecuteAsync(ConsumeContext<CompleteTask> context)
    {
        var (taskId, synthesisId, partial) = context.Message;
        var ct = context.CancellationToken;
        var finalId = Ids.Deterministic(Ids.SolutionPrefix, $"{taskId}:final:{synthesisId}");
        var now = DateTime.UtcNow;

        if (!await Db.Solutions.AnyAsync(s => s.SolutionId == finalId, ct))
        {
            var synthesis = await Db.Solutions.FirstAsync(s => s.SolutionId == synthesisId, ct);
            var answer = JsonSerializer.Deserialize<SynthesisAnswer>(synthesis.Metadata!, AgentJson.Options)!;
            var failed = await Db.Subtasks.AsNoTracking()
                .Where(s => s.TaskId == taskId && s.Status == SubtaskStatuses.Failed)
                .Select(s => s.Title)
                .ToListAsync(ct);
            var contributors = await Db.Solutions.AsNoTracking()
                .Where(s => s.TaskId == taskId && s.SolutionType == SolutionTypes.Subtask && s.IsAccepted && s.AgentId != null)
                .Select(s => s.AgentId!)
                .Distinct()
                .ToListAsync(ct);

            var content = synthesis.Content;
            if (partial)
            {
                content = $"""
                    > **Partial completion.** {failed.Count} subtask(s) produced no acceptable solution after the maximum number of revisions
                    > and are not covered by this answer: {string.Join("; ", failed)}. You can ask for a revision to retry them.

                    {content}
                    """;
            }

            var sources = contributors.Select(a => a["agent_".Length..])
                .Concat(answer.SupportingEvidence.SelectMany(e => e.SourceSpecialists))
                .Distinct()
                .ToList();
            synthesis.IsAccepted = true;
            synthesis.AcceptanceFeedback = "Approved in the manager's final review.";
            Db.Solutions.Add(new SolutionEntity
            {
                SolutionId = finalId,
                TaskId = taskId,
                AgentId = AgentTypes.AgentId(AgentTypes.Analyst),
                SolutionType = SolutionTypes.Final,
                Content = content,
                Metadata = AgentJson.Serialize(new
                {
                    supporting_data = new
                    {
                        answer.KeyInsights,
                        answer.Recommendations,
                        answer.SupportingEvidence,
                        answer.Limitations,
                        Sections = answer.MainContent.Select(s => s.Heading),
                    },
                    confidence = answer.OverallConfidence,
                    sources,
                    partial_completion = partial,
                    failed_subtasks = failed,
                    synthesis_solution_id = synthesisId,
                }),
                Version = synthesis.Version,
                IsAccepted = true,
                AcceptanceFeedback = "Final answer approved.",
                CreatedAt = now,
            });
            await Db.SaveChangesAsync(ct);
        }

        // A task the user has just asked to revise (revision_pending) is not completed again by a late or repeated message.
        var updated = await Db.Tasks
            .Where(t => t.TaskId == taskId && t.Status != TaskStatuses.Completed && t.Status != TaskStatuses.Failed
                        && t.Status != TaskStatuses.Cancelled && t.Status != TaskStatuses.RevisionPending)
            .ExecuteUpdateAsync(s => s
                .SetProperty(t => t.Status, TaskStatuses.Completed)
                .SetProperty(t => t.CurrentStage, Stages.Completed)
                .SetProperty(t => t.Progress, 100)
                .SetProperty(t => t.CompletedAt, now)
                .SetProperty(t => t.EstimatedCompletion, now)
                .SetProperty(t => t.UpdatedAt, now), ct);

        await Db.Revisions
            .Where(r => r.TaskId == taskId && r.Status == "in_progress")
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.Status, "completed").SetProperty(r => r.CompletedAt, now), ct);

        if (updated > 0)
        {
            logger.LogInformation("Task {TaskId} completed{Partial}", taskId, partial ? " (partial)" : "");
            await context.Publish(TaskEvents.StageTransition(taskId, TaskStatuses.Completed, 100, Stages.ManagerFinalReview, Stages.Completed, now));
            await context.Publish(TaskEvents.Completed(taskId, now));
        }
        await context.Publish(new TaskCompleted(taskId));
    }
}

/// <summary>Records why a task failed; a task never stays in a running state after its workflow gave up.</summary>
public sealed class FailTaskConsumer(MultiAgentDbContext db, ILogger<FailTaskConsumer> logger) : IConsumer<FailTask>
{
    public async Task Consume(ConsumeContext<FailTask> context)
    {
        var (taskId, reason) = context.Message;
        var now = DateTime.UtcNow;
        var message = $"{reason} You can submit the task again; if it keeps failing, check the AiGateway and Orchestrator logs in the dashboard.";
        var updated = await db.Tasks
            .Where(t => t.TaskId == taskId && t.Status != TaskStatuses.Completed && t.Status != TaskStatuses.Failed && t.Status != TaskStatuses.Cancelled)
            .ExecuteUpdateAsync(s => s
                .SetProperty(t => t.Status, TaskStatuses.Failed)
                .SetProperty(t => t.CurrentStage, Stages.Failed)
                .SetProperty(t => t.ErrorMessage, message)
                .SetProperty(t => t.CompletedAt, now)
                .SetProperty(t => t.UpdatedAt, now), context.CancellationToken);
        if (updated == 0) return;

        await db.LogInteractionAsync("failure", taskId, AgentTypes.Manager, InteractionTypes.Failure, "task_failed", reason, null, context.CancellationToken);
        await db.SaveChangesAsync(context.CancellationToken);
        logger.LogWarning("Task {TaskId} failed: {Reason}", taskId, reason);
        await context.Publish(TaskEvents.Error(taskId, message, now));
    }
}
