using System.Text.Json;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using MultiAgent.Contracts;
using MultiAgent.Contracts.Messages;
using MultiAgent.Data;
using MultiAgent.Data.Entities;
using MultiAgent.Orchestrator.Agents.Model;
using MultiAgent.Orchestrator.Workflow;

namespace MultiAgent.Orchestrator.Agents.Coordinator;

/// <summary>The Coordinator organises the accepted solutions into findings by theme, cross-references, gaps and inconsistencies.</summary>
public sealed class CoordinateSolutionsConsumer(MultiAgentDbContext db, AgentChat chat, ILogger<CoordinateSolutionsConsumer> logger)
    : AgentStepConsumer<CoordinateSolutions>(db, logger)
{
    public const string Instructions = """
        You are the Coordinator on a team of AI agents. Aggregate the specialists' accepted solutions into a structured dataset
        for the Analyst: extract the key findings of each solution and organise them by theme, with the specialist types they
        come from and your confidence from 0 to 1; relate findings to each other (supports, contradicts or complements); note
        inconsistencies and the gaps in the information. Do NOT write the final answer: organise and structure only.
        Answer only with the JSON object described by the response schema.
        """;

    public sealed record AcceptedSolution(string SubtaskId, string Title, string SpecialistType, string Content, int Version);

    protected override string StepName => "Coordination";

    protected override string? AgentTypeFor(CoordinateSolutions message) => AgentTypes.Coordinator;

    protected override async Task ExecuteAsync(ConsumeContext<CoordinateSolutions> context)
    {
        var (taskId, round) = context.Message;
        var ct = context.CancellationToken;
        var solutionId = Ids.Deterministic(Ids.SolutionPrefix, $"{taskId}:coordination:{round}");

        if (!await Db.Solutions.AnyAsync(s => s.SolutionId == solutionId, ct))
        {
            var task = await Db.LoadTaskAsync(taskId, ct);
            var accepted = await LoadAcceptedAsync(Db, taskId, ct);
            var material = $"""
                {AgentRecords.Describe(task)}

                Accepted specialist solutions:
                {string.Join("\n\n", accepted.Select(a => $"## {a.Title} (by {a.SpecialistType})\n{a.Content}"))}
                {await Db.RevisionNoteAsync(taskId, ct)}
                """;
            var aggregation = await chat.AskAsync<AggregationAnswer>(
                new AgentRequest(taskId, AgentTypes.Coordinator, Instructions, material),
                a => a.StructuredFindings.Count == 0 ? "structured_findings must contain at least one theme." : null,
                ct);

            var confidences = aggregation.StructuredFindings.Select(f => f.Confidence).DefaultIfEmpty(0).ToList();
            var specialistTypes = accepted.Select(a => a.SpecialistType).Distinct().ToList();
            var now = DateTime.UtcNow;
            Db.Solutions.Add(new SolutionEntity
            {
                SolutionId = solutionId,
                TaskId = taskId,
                AgentId = AgentTypes.AgentId(AgentTypes.Coordinator),
                SolutionType = SolutionTypes.Coordination,
                Content = AgentJson.Serialize(aggregation),
                Metadata = JsonSerializer.Serialize(new
                {
                    total_specialists = specialistTypes.Count,
                    specialist_types = specialistTypes,
                    confidence_range = new[] { confidences.Min(), confidences.Max() },
                    subtask_ids = accepted.Select(a => a.SubtaskId),
                }),
                Version = round,
                IsAccepted = true,
                CreatedAt = now,
            });
            var description = $"Aggregated {accepted.Count} accepted solutions into {aggregation.StructuredFindings.Count} themes, " +
                              $"{aggregation.IdentifiedGaps.Count} gap(s), {aggregation.Inconsistencies.Count} inconsistency(ies)";
            await Db.LogInteractionAsync($"coordination:{round}", taskId, AgentTypes.Coordinator, InteractionTypes.Coordination,
                InteractionTypes.Coordination, description, JsonSerializer.Serialize(new { solution_id = solutionId }), ct);
            await Db.SaveChangesAsync(ct);
            await context.Publish(TaskEvents.AgentActivity(taskId, AgentTypes.Coordinator, InteractionTypes.Coordination, description, now));
        }

        await context.Publish(new SolutionsCoordinated(taskId, solutionId));
    }

    /// <summary>The latest accepted version of each subtask's solution, in plan order.</summary>
    public static async Task<List<AcceptedSolution>> LoadAcceptedAsync(MultiAgentDbContext db, string taskId, CancellationToken ct)
    {
        var rows = await (
            from s in db.Solutions.AsNoTracking()
            join st in db.Subtasks.AsNoTracking() on s.SubtaskId equals st.SubtaskId
            where s.TaskId == taskId && s.SolutionType == SolutionTypes.Subtask && s.IsAccepted
            select new { s.SubtaskId, st.Title, s.AgentId, s.Content, s.Version, st.CreatedAt }).ToListAsync(ct);

        return rows
            .GroupBy(r => r.SubtaskId)
            .Select(g => g.OrderByDescending(r => r.Version).First())
            .OrderBy(r => r.CreatedAt)
            .Select(r => new AcceptedSolution(r.SubtaskId!, r.Title, (r.AgentId ?? "agent_generalist")["agent_".Length..], r.Content, r.Version))
            .ToList();
    }
}
