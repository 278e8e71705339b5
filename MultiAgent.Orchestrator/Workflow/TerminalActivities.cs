using System.Text.Json;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using MultiAgent.Contracts;
using MultiAgent.Contracts.Api;
using MultiAgent.Data;
using MultiAgent.Data.Entities;
using MultiAgent.Orchestrator.Agents;
using MultiAgent.Orchestrator.Agents.Model;

namespace MultiAgent.Orchestrator.Workflow;

/// <summary>
/// COMPLETED: the approved synthesis becomes the task's final solution (with a notice when some subtasks were given up),
/// its sources are the subtasks that contributed and the references their specialists cited, and the task is completed.
/// </summary>
public sealed class CompleteTaskActivity : WorkflowActivity
{
    protected override string Name => "complete-task";

    protected override async Task ApplyAsync(BehaviorContext<TaskWorkflowState> context, TaskChanges changes)
    {
        var saga = context.Saga;
        var db = context.GetServiceOrCreateInstance<MultiAgentDbContext>();
        var synthesisId = saga.LatestSynthesisId ?? throw new InvalidOperationException($"Task {saga.TaskId} has no synthesis to complete with.");
        var accepted = WorkflowDecisions.AcceptedSolutions(saga);
        var ids = accepted.Select(a => a.SolutionId).Append(synthesisId).ToList();

        // One query for the synthesis (tracked: it is marked accepted) and the accepted solutions' cited references.
        var solutions = await db.Solutions.Where(s => ids.Contains(s.SolutionId)).ToListAsync(context.CancellationToken);
        var synthesis = solutions.Single(s => s.SolutionId == synthesisId);
        var answer = JsonSerializer.Deserialize<SynthesisAnswer>(synthesis.Metadata!, AgentJson.Options)!;

        var given = saga.Subtasks.Values.Where(s => s.State == SubtaskState.GivenUp).Select(s => s.Title).ToList();
        var content = synthesis.Content;
        if (given.Count > 0)
        {
            var subtasks = given.Count == 1 ? "1 subtask" : $"{given.Count} subtasks";
            content = $"""
                > **Partial completion.** {subtasks} produced no acceptable solution after the maximum number of revisions
                > and {(given.Count == 1 ? "is" : "are")} not covered by this answer: {string.Join("; ", given)}. You can ask for a revision to retry them.

                {content}
                """;
        }

        var feedback = saga.LastFinalReviewApproved
            ? $"Approved in the manager's final review. {saga.LastFinalReview}".TrimEnd()
            : $"Delivered after {saga.FinalReviewsThisRun} final reviews without the manager's approval (the most a run allows). " +
              $"The last review said: {saga.LastFinalReview}";
        synthesis.IsAccepted = true;
        synthesis.AcceptanceFeedback = feedback;

        db.Solutions.Add(new SolutionEntity
        {
            SolutionId = Ids.Deterministic(Ids.SolutionPrefix, $"{saga.TaskId}:final:{synthesisId}"),
            TaskId = saga.TaskId,
            AgentId = AgentTypes.AgentId(AgentTypes.Analyst),
            SolutionType = SolutionTypes.Final,
            Content = content,
            Metadata = JsonColumns.Serialize(new FinalAnswerMetadata(
                SupportingData: JsonSerializer.SerializeToElement(new
                {
                    answer.KeyInsights,
                    answer.Recommendations,
                    answer.SupportingEvidence,
                    answer.Limitations,
                    Sections = answer.MainContent.Select(s => s.Heading),
                }, AgentJson.Options),
                Confidence: answer.OverallConfidence,
                Sources: Sources(saga, accepted, solutions),
                PartialCompletion: given.Count > 0,
                FailedSubtasks: given,
                SynthesisSolutionId: synthesisId,
                ReviewFeedback: feedback)),
            Version = saga.SynthesisRound,
            IsAccepted = true,
            AcceptanceFeedback = feedback,
            CreatedAt = changes.Now,
        });

        if (saga.RevisionId is { } revisionId) changes.RevisionStatus(revisionId, RevisionStatus.Completed);
        saga.CompletedAt = changes.Now;
        saga.Error = null;
        changes.EnterStage(saga, TaskStage.Completed);
        changes.Interaction(saga, $"completion:{synthesisId}", AgentTypes.Manager, InteractionTypes.Completion, "task_completed",
            given.Count > 0 ? $"Delivered the final answer without {Plural.Of(given.Count, "given-up subtask")}" : "Delivered the final answer");
        changes.Finished();
    }

    /// <summary>The subtasks whose accepted solutions the answer is built on, then the references their specialists cited.</summary>
    public static IReadOnlyList<ResultSource> Sources(TaskWorkflowState saga, IReadOnlyList<Contracts.Messages.AcceptedSolution> accepted,
        IReadOnlyList<SolutionEntity> solutions)
    {
        var sources = new List<ResultSource>();
        foreach (var (subtaskId, _) in accepted)
        {
            var subtask = saga.Subtasks[subtaskId];
            sources.Add(new ResultSource(ResultSourceKinds.Subtask, subtask.Title, subtaskId, subtask.SpecialistType));
        }

        var references = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (subtaskId, solutionId) in accepted)
        {
            if (solutions.FirstOrDefault(s => s.SolutionId == solutionId)?.Metadata is not { } json) continue;
            var record = JsonSerializer.Deserialize<SpecialistSolutionRecord>(json, AgentJson.Options);
            foreach (var reference in record?.Sources ?? [])
            {
                var text = reference.Trim();
                if (IsReference(text) && references.Add(text))
                {
                    sources.Add(new ResultSource(ResultSourceKinds.Reference, text, subtaskId, record!.SpecialistType));
                }
            }
        }
        return sources;
    }

    /// <summary>A cited reference names something (several words, or a link), not a stray word picked out of the text.</summary>
    public static bool IsReference(string text) =>
        text.Length is >= 8 and <= 500 && (text.Contains("://", StringComparison.Ordinal) || text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length >= 2);
}

/// <summary>FAILED: the reason is recorded for the user, work still in flight is marked stopped, and nothing runs further.</summary>
public sealed class FailTaskActivity : WorkflowActivity
{
    public const string Advice = "You can submit the task again; if it keeps failing, check the AiGateway and Orchestrator logs in the dashboard.";

    protected override string Name => "fail-task";

    protected override Task ApplyAsync(BehaviorContext<TaskWorkflowState> context, TaskChanges changes)
    {
        var saga = context.Saga;
        var reason = saga.Error ?? "The workflow stopped for an unknown reason.";
        saga.StoppedAtStage = saga.Stage;
        saga.Error = $"{reason} {Advice}";
        saga.CompletedAt = changes.Now;
        Stopped.MarkUnfinishedSubtasks(saga, changes);
        if (saga.RevisionId is { } revisionId) changes.RevisionStatus(revisionId, RevisionStatus.Failed);
        changes.EnterStage(saga, TaskStage.Failed);
        changes.Interaction(saga, "failure", AgentTypes.Manager, InteractionTypes.Failure, "task_failed", reason);
        changes.Error(saga, saga.Error, "error", retryInSeconds: null, step: null);
        changes.Finished();
        context.GetServiceOrCreateInstance<ILogger<FailTaskActivity>>().LogWarning("Task {TaskId} failed: {Reason}", saga.TaskId, reason);
        return Task.CompletedTask;
    }
}

/// <summary>
/// CANCELLED: model calls in flight for the task are stopped (Redis), work in flight is marked stopped, and late results
/// are ignored from now on.
/// </summary>
public sealed class CancelTaskActivity : WorkflowActivity
{
    public const string Reason = "Cancelled by the user.";

    protected override string Name => "cancel-task";

    protected override async Task ApplyAsync(BehaviorContext<TaskWorkflowState> context, TaskChanges changes)
    {
        var saga = context.Saga;
        saga.StoppedAtStage = saga.Stage;
        saga.Error = Reason;
        saga.CompletedAt = changes.Now;
        Stopped.MarkUnfinishedSubtasks(saga, changes);
        if (saga.RevisionId is { } revisionId) changes.RevisionStatus(revisionId, RevisionStatus.Cancelled);
        changes.EnterStage(saga, TaskStage.Cancelled);
        changes.Interaction(saga, "cancellation", null, InteractionTypes.Cancellation, "task_cancelled",
            $"Cancelled by the user during {EnumNames<TaskStage>.Name(saga.StoppedAtStage.Value).Replace('_', ' ')}");
        changes.Finished();
        await context.GetServiceOrCreateInstance<TaskCancellations>().SignalAsync(saga.TaskId);
    }
}

internal static class Stopped
{
    /// <summary>Subtasks that had not finished when the task stopped say so, instead of "in progress" forever.</summary>
    public static void MarkUnfinishedSubtasks(TaskWorkflowState saga, TaskChanges changes)
    {
        foreach (var (id, subtask) in saga.Subtasks)
        {
            if (subtask.State is SubtaskState.Accepted or SubtaskState.GivenUp or SubtaskState.Cancelled) continue;
            subtask.State = SubtaskState.Cancelled;
            changes.SubtaskChanged(id);
        }
    }
}
