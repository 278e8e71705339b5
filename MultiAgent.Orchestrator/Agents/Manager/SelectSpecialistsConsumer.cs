using System.Text.Json;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using MultiAgent.Contracts;
using MultiAgent.Contracts.Messages;
using MultiAgent.Data;
using MultiAgent.Data.Entities;
using MultiAgent.Orchestrator.Agents.Model;

namespace MultiAgent.Orchestrator.Agents.Manager;

/// <summary>
/// Manager, step 2: the model proposes specialists from the registry (its answer's schema allows only registered types, and an
/// answer naming another type is sent back); <see cref="SpecialistSelectionPolicy"/> scores every registered type and decides.
/// </summary>
public sealed class SelectSpecialistsConsumer(MultiAgentDbContext db, AgentChat chat, AgentSettings agentSettings, ILogger<SelectSpecialistsConsumer> logger)
    : AgentStepConsumer<SelectSpecialists>(db, logger)
{
    public const string Instructions = """
        You are the Manager of a team of AI specialists. From the registry of specialist types you are given, recommend the
        2 to 5 specialists that would be most effective for the analysed task. For each one give its type exactly as written
        in the registry, a relevance score from 0 to 1, why it is needed, its priority (high, medium or low) and the aspects
        it will handle. Prefer specialists with different perspectives over several that do the same thing.
        Answer only with the JSON object described by the response schema.
        """;

    public sealed record SelectionRecord(TaskAnalysisAnswer Analysis, IReadOnlyList<SelectedSpecialist> Selected, IReadOnlyList<SpecialistProposal> Proposals);

    protected override string StepName => "Specialist selection";

    protected override string? AgentTypeFor(SelectSpecialists message) => AgentTypes.Manager;

    protected override async Task ExecuteAsync(ConsumeContext<SelectSpecialists> context)
    {
        var (taskId, round) = context.Message;
        var ct = context.CancellationToken;
        var stepKey = $"selection:{round}";
        var recordId = AgentRecords.InteractionId(taskId, stepKey, InteractionTypes.SpecialistSelection);
        var analysisId = AgentRecords.InteractionId(taskId, $"analysis:{round}", InteractionTypes.TaskAnalysis);

        if (await ReadAsync(taskId, [recordId, analysisId], ct) is not { } read) return;
        if (read.Record(recordId) is { } stored)
        {
            var record = read.Metadata<SelectionRecord>(recordId)!;
            await context.Publish(new SpecialistsSelected(taskId, round, Public(record.Selected), stored.Description ?? "", stored.Timestamp));
            return;
        }

        var analysis = read.Metadata<TaskAnalysisAnswer>(analysisId) ?? throw new InvalidOperationException("The task analysis is missing.");
        // Agents an administrator put in maintenance are not selected.
        var inMaintenance = await agentSettings.InMaintenanceAsync(ct);
        var registry = AgentRegistry.Specialists.Where(s => !inMaintenance.Contains(s.Type)).ToList();
        var types = registry.Select(r => r.Type).ToList();

        var material = $"""
            {AgentRecords.Describe(read.Task)}

            Analysis: {AgentJson.Serialize(analysis)}

            Registry of specialist types (type: capabilities — description):
            {string.Join("\n", registry.Select(r => $"- {r.Type}: {string.Join(", ", r.Capabilities)} — {r.Description}"))}
            """;
        var answer = await chat.AskAsync<SpecialistSelectionAnswer>(
            new AgentRequest(read.Task, AgentTypes.Manager, Instructions, material, stepKey),
            a => a.Specialists.Count == 0 ? "specialists must list at least one specialist type from the registry."
                : a.Specialists.FirstOrDefault(s => !types.Contains(s.Type)) is { } unknown
                    ? $"'{unknown.Type}' is not a specialist type of the registry; use only: {string.Join(", ", types)}."
                    : null,
            ct,
            new Dictionary<string, IReadOnlyList<string>> { ["type"] = types });

        var selected = SpecialistSelectionPolicy.Select(analysis.Complexity, analysis.RequiredCapabilities, answer.Specialists, registry);
        var now = DateTime.UtcNow;
        var description = "Selected: " + string.Join(", ", selected.Select(s => $"{s.Type} ({s.Score:0.00})"));
        Db.LogInteraction(stepKey, taskId, AgentTypes.Manager, InteractionTypes.SpecialistSelection, InteractionTypes.SpecialistSelection,
            description, AgentJson.Serialize(new SelectionRecord(analysis, selected, answer.Specialists)));
        await Db.SaveChangesAsync(ct);
        await context.Publish(new SpecialistsSelected(taskId, round, Public(selected), description, now));
    }

    private static List<Contracts.Api.SelectedSpecialist> Public(IReadOnlyList<SelectedSpecialist> selected) =>
        [.. selected.Select(s => new Contracts.Api.SelectedSpecialist(s.Type, s.Score, s.Rationale))];
}
