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

    public sealed record AcceptedSolutionText(string SubtaskId, string Title, string SpecialistType, string Content, int Version);

    protected override string StepName => "Coordination";

    protected override string? AgentTypeFor(CoordinateSolutions message) => AgentTypes.Coordinator;

    protected override async Task ExecuteAsync(ConsumeContext<CoordinateSolutions> context)
    {
        var (taskId, round, acceptedIds) = context.Message;
        var ct = context.CancellationToken;
        var solutionId = Ids.Deterministic(Ids.SolutionPrefix, $"{taskId}:coordination:{round}");
        var stepKey = $"coordination:{round}";
        var recordId = AgentRecords.InteractionId(taskId, stepKey, InteractionTypes.Coordination);

        if (await ReadAsync(taskId, [recordId], ct) is not { } read) return;
        if (read.Record(recordId) is { } stored)
        {
            await context.Publish(new SolutionsCoordinated(taskId, round, solutionId, stored.Description ?? "", stored.Timestamp));
            return;
        }

        var accepted = await LoadAsync(Db, acceptedIds, ct);
        var material = $"""
            {AgentRecords.Describe(read.Task)}

            Accepted specialist solutions:
            {string.Join("\n\n", accepted.Select(a => $"## {a.Title} (by {a.SpecialistType})\n{a.Content}"))}
            {read.RevisionNote}
            """;
        var aggregation = await chat.AskAsync<AggregationAnswer>(
            new AgentRequest(read.Task, AgentTypes.Coordinator, Instructions, material, stepKey),
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
        var description = $"Aggregated {Plural(accepted.Count, "accepted solution")} into {Plural(aggregation.StructuredFindings.Count, "theme")}, " +
                          $"{Plural(aggregation.IdentifiedGaps.Count, "gap")} and {Plural(aggregation.Inconsistencies.Count, "inconsistency", "inconsistencies")}";
        Db.LogInteraction(stepKey, taskId, AgentTypes.Coordinator, InteractionTypes.Coordination,
            InteractionTypes.Coordination, description, JsonSerializer.Serialize(new { solution_id = solutionId }));
        await Db.SaveChangesAsync(ct);
        await context.Publish(new SolutionsCoordinated(taskId, round, solutionId, description, now));
    }

    /// <summary>Exactly the accepted solutions the workflow named, in its order (the current plan's, nothing older).</summary>
    public static async Task<List<AcceptedSolutionText>> LoadAsync(MultiAgentDbContext db, IReadOnlyList<AcceptedSolution> accepted, CancellationToken ct)
    {
        var ids = accepted.Select(a => a.SolutionId).ToList();
        var rows = await (
            from s in db.Solutions.AsNoTracking()
            join st in db.Subtasks.AsNoTracking() on s.SubtaskId equals st.SubtaskId
            where ids.Contains(s.SolutionId)
            select new { s.SolutionId, s.SubtaskId, st.Title, s.AgentId, s.Content, s.Version }).ToListAsync(ct);

        return rows
            .OrderBy(r => ids.IndexOf(r.SolutionId))
            .Select(r => new AcceptedSolutionText(r.SubtaskId!, r.Title, AgentTypes.TypeOf(r.AgentId ?? AgentTypes.AgentId(AgentRegistry.GeneralistType)), r.Content, r.Version))
            .ToList();
    }

    private static string Plural(int count, string noun, string? plural = null) => count == 1 ? $"1 {noun}" : $"{count} {plural ?? noun + "s"}";
}
