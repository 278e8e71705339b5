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

        if (await Db.StoredRecordAsync<RevisionRecord>(stepKey, taskId, InteractionTypes.RevisionPlanning, ct) is { } record)
        {
            await context.Publish(new RevisionPlanned(taskId, revisionId, record.Scope, record.SubtaskIds));
            return;
        }

        var revision = await Db.Revisions.FirstAsync(r => r.RevisionId == revisionId, ct);
        var areas = revision.SpecificAreas is { } json ? JsonSerializer.Deserialize<List<string>>(json) ?? [] : [];
        var subtasks = (await Db.Subtasks.AsNoTracking().Where(s => current.Contains(s.SubtaskId)).OrderBy(s => s.CreatedAt).ToListAsync(ct))
            .Select(s => new PlannedSubtaskInfo(s.SubtaskId, s.Title, s.Description,
                JsonSerializer.Deserialize<DecomposeTaskConsumer.SubtaskRequirements>(s.Requirements!, AgentJson.Options)!.Dependencies))
            .ToList();

        var (scope, subtaskIds) = RevisionScopePolicy.Decide(revision.RevisionRequest, areas, subtasks);
        revision.Status = "in_progress";

        var description = scope switch
        {
            RevisionScope.FullTask => "Revision: the whole task is analysed and planned again",
            RevisionScope.SpecificSubtasks => $"Revision: {subtaskIds.Count} subtask(s) are executed again, with everything that depends on them",
            _ => "Revision: the final answer is synthesised again",
        };
        await Db.LogInteractionAsync(stepKey, taskId, AgentTypes.Manager, InteractionTypes.RevisionPlanning, InteractionTypes.RevisionPlanning,
            description, AgentJson.Serialize(new RevisionRecord(scope, subtaskIds)), ct);
        await Db.SaveChangesAsync(ct);

        await context.Publish(TaskEvents.AgentActivity(taskId, AgentTypes.Manager, InteractionTypes.RevisionPlanning, description, DateTime.UtcNow));
        await context.Publish(new RevisionPlanned(taskId, revisionId, scope, subtaskIds));
    }
}
