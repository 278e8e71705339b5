using System.Text.Json;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using MultiAgent.Contracts;
using MultiAgent.Contracts.Messages;
using MultiAgent.Data;
using MultiAgent.Orchestrator.Agents.Model;
using MultiAgent.Orchestrator.Workflow;

namespace MultiAgent.Orchestrator.Agents.Manager;

/// <summary>Manager: decides how far back a user's revision request sends the workflow (<see cref="RevisionScopePolicy"/>).</summary>
public sealed class PlanRevisionConsumer(MultiAgentDbContext db, ILogger<PlanRevisionConsumer> logger)
    : AgentStepConsumer<PlanRevision>(db, logger)
{
    public sealed record RevisionRecord(RevisionScope Scope, IReadOnlyList<string> SubtaskIds);

    protected override string StepName => "Revision planning";

    protected override string? AgentTypeFor(PlanRevision message) => AgentTypes.Manager;

    protected override async Task ExecuteAsync(ConsumeContext<PlanRevision> context)
    {
        var (taskId, revisionId, current) = context.Message;
        var ct = context.CancellationToken;
        var stepKey = $"revision:{revisionId}";
        var recordId = AgentRecords.InteractionId(taskId, stepKey, InteractionTypes.RevisionPlanning);

        if (await ReadAsync(taskId, [recordId], ct) is not { } read) return;
        if (read.Record(recordId) is { } stored)
        {
            var record = read.Metadata<RevisionRecord>(recordId)!;
            await context.Publish(new RevisionPlanned(taskId, revisionId, record.Scope, record.SubtaskIds, stored.Description ?? "", stored.Timestamp));
            return;
        }

        var input = await Db.Revisions.AsNoTracking()
            .Where(r => r.RevisionId == revisionId)
            .Select(r => new
            {
                r.RevisionRequest,
                r.SpecificAreas,
                r.RequestedScope,
                r.SubtaskIds,
                Subtasks = Db.Subtasks.Where(s => current.Contains(s.SubtaskId)).OrderBy(s => s.CreatedAt)
                    .Select(s => new PlannedSubtaskInfo(s.SubtaskId, s.Title, s.Description, s.Dependencies)).ToList(),
            })
            .FirstAsync(ct);
        var (revision, subtasks) = (input, input.Subtasks);

        var (scope, subtaskIds) = RevisionScopePolicy.Decide(revision.RevisionRequest, revision.SpecificAreas, subtasks,
            revision.RequestedScope, revision.SubtaskIds);
        var description = scope switch
        {
            RevisionScope.FullTask => "Revision: the whole task is analysed and planned again",
            RevisionScope.SpecificSubtasks => subtaskIds.Count == 1
                ? "Revision: 1 subtask is executed again"
                : $"Revision: {subtaskIds.Count} subtasks are executed again (the named ones and what depends on them)",
            _ => "Revision: the final answer is synthesised again",
        };
        var now = DateTime.UtcNow;
        Db.LogInteraction(stepKey, taskId, AgentTypes.Manager, InteractionTypes.RevisionPlanning, InteractionTypes.RevisionPlanning,
            description, AgentJson.Serialize(new RevisionRecord(scope, subtaskIds)));
        await Db.SaveChangesAsync(ct);
        await context.Publish(new RevisionPlanned(taskId, revisionId, scope, subtaskIds, description, now));
    }
}
