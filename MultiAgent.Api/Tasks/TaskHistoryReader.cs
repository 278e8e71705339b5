using Microsoft.EntityFrameworkCore;
using MultiAgent.Contracts;
using MultiAgent.Contracts.Api;
using MultiAgent.Data;
using MultiAgent.Data.Entities;

namespace MultiAgent.Api.Tasks;

/// <summary>
/// What the agents produced on the way, read from the rows the workflow wrote: a subtask's solution versions with their
/// reviews, the final answers the task delivered, and the revisions its owner asked for. Scoped to the owner like
/// <see cref="TaskReader"/> (a null owner: any user, for admins).
/// </summary>
public sealed class TaskHistoryReader(MultiAgentDbContext db)
{
    public Task<bool> ExistsAsync(string taskId, string? ownerId, CancellationToken cancellationToken) =>
        db.Tasks.AsNoTracking().AnyAsync(t => t.TaskId == taskId && (ownerId == null || t.UserId == ownerId), cancellationToken);

    /// <summary>The subtask with every solution version and review; null when the task has no such subtask.</summary>
    public async Task<SubtaskDetails?> GetSubtaskAsync(string taskId, string subtaskId, CancellationToken cancellationToken)
    {
        var subtask = await db.Subtasks.AsNoTracking().FirstOrDefaultAsync(s => s.TaskId == taskId && s.SubtaskId == subtaskId, cancellationToken);
        if (subtask is null)
        {
            return null;
        }

        var solutions = await db.Solutions.AsNoTracking()
            .Where(s => s.TaskId == taskId && s.SubtaskId == subtaskId && s.SolutionType == SolutionTypes.Subtask)
            .OrderBy(s => s.Version).ThenBy(s => s.CreatedAt)
            .ToListAsync(cancellationToken);

        return new SubtaskDetails(
            taskId,
            TaskReader.ToSummary(subtask, solutions.Count),
            subtask.Requirements.Deliverable,
            subtask.Requirements.FocusAreas,
            solutions.Select(s => new SolutionVersion(
                s.SolutionId,
                s.Version,
                s.AgentId,
                s.AgentId is null ? null : AgentTypes.TypeOf(s.AgentId),
                s.Content,
                s.IsAccepted,
                s.AcceptanceFeedback,
                s.Review,
                Utc.ToOffset(s.CreatedAt))).ToList());
    }

    /// <summary>Every final answer the task delivered, oldest first, each with the revision that produced it.</summary>
    public async Task<IReadOnlyList<AnswerVersion>> GetAnswersAsync(string taskId, CancellationToken cancellationToken)
    {
        var finals = await db.Solutions.AsNoTracking()
            .Where(s => s.TaskId == taskId && s.SolutionType == SolutionTypes.Final)
            .OrderBy(s => s.CreatedAt).ThenBy(s => s.Version)
            .Select(s => new { s.SolutionId, s.Content, s.Metadata, s.CreatedAt })
            .ToListAsync(cancellationToken);
        var revisions = finals.Count > 1 ? await RevisionRowsAsync(taskId, cancellationToken) : [];

        var answers = new List<AnswerVersion>(finals.Count);
        for (var i = 0; i < finals.Count; i++)
        {
            var final = finals[i];
            var metadata = JsonColumns.Deserialize<FinalAnswerMetadata>(final.Metadata!);
            answers.Add(new AnswerVersion(
                i + 1,
                final.SolutionId,
                i == 0 ? null : DeliveredBy(revisions, finals[i - 1].CreatedAt, final.CreatedAt)?.RevisionId,
                final.Content,
                metadata.Confidence,
                metadata.PartialCompletion,
                metadata.ReviewFeedback,
                Utc.ToOffset(final.CreatedAt)));
        }
        return answers;
    }

    /// <summary>The revisions asked for, oldest first, each with the manager's decision on its scope and the answer it delivered.</summary>
    public async Task<IReadOnlyList<RevisionSummary>> GetRevisionsAsync(string taskId, CancellationToken cancellationToken)
    {
        var revisions = await RevisionRowsAsync(taskId, cancellationToken);
        if (revisions.Count == 0)
        {
            return [];
        }

        var plans = await db.Interactions.AsNoTracking()
            .Where(i => i.TaskId == taskId && i.InteractionType == InteractionTypes.RevisionPlanning)
            .OrderBy(i => i.Timestamp)
            .Select(i => new { i.Timestamp, i.Description })
            .ToListAsync(cancellationToken);
        var answerTimes = await db.Solutions.AsNoTracking()
            .Where(s => s.TaskId == taskId && s.SolutionType == SolutionTypes.Final)
            .OrderBy(s => s.CreatedAt)
            .Select(s => s.CreatedAt)
            .ToListAsync(cancellationToken);

        // Revisions run one at a time (only a completed task can be revised), so each one's records lie between it and the next.
        return revisions.Select((revision, i) =>
        {
            var next = i + 1 < revisions.Count ? revisions[i + 1].CreatedAt : DateTime.MaxValue;
            var scope = plans.FirstOrDefault(p => p.Timestamp >= revision.CreatedAt && p.Timestamp < next)?.Description;
            int? answer = null;
            for (var a = 1; a < answerTimes.Count; a++)
            {
                if (DeliveredBy(revisions, answerTimes[a - 1], answerTimes[a]) == revision)
                {
                    answer = a + 1;
                }
            }

            return new RevisionSummary(revision.RevisionId, revision.RevisionRequest, revision.SpecificAreas, revision.Priority, revision.Status,
                scope, answer, Utc.ToOffset(revision.CreatedAt), Utc.ToOffset(revision.CompletedAt),
                revision.RequestedScope is { } requested ? RevisionScopes.Name(requested) : null, revision.SubtaskIds);
        }).ToList();
    }

    private Task<List<RevisionEntity>> RevisionRowsAsync(string taskId, CancellationToken cancellationToken) =>
        db.Revisions.AsNoTracking().Where(r => r.TaskId == taskId).OrderBy(r => r.CreatedAt).ToListAsync(cancellationToken);

    // The answer delivered at `delivered` came from the last completed revision asked for after the answer before it.
    private static RevisionEntity? DeliveredBy(IReadOnlyList<RevisionEntity> revisions, DateTime previous, DateTime delivered) =>
        revisions.LastOrDefault(r => r.Status == RevisionStatus.Completed && r.CreatedAt > previous && r.CreatedAt < delivered);
}
