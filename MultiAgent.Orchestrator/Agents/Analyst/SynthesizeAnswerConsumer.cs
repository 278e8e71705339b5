using System.Text;
using System.Text.Json;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using MultiAgent.Contracts;
using MultiAgent.Contracts.Messages;
using MultiAgent.Data;
using MultiAgent.Data.Entities;
using MultiAgent.Orchestrator.Agents.Manager;
using MultiAgent.Orchestrator.Agents.Model;
using MultiAgent.Orchestrator.Workflow;

namespace MultiAgent.Orchestrator.Agents.Analyst;

/// <summary>The Analyst turns the aggregated findings into the final answer; on a later round it addresses the final review's issues.</summary>
public sealed class SynthesizeAnswerConsumer(MultiAgentDbContext db, AgentChat chat, ILogger<SynthesizeAnswerConsumer> logger)
    : AgentStepConsumer<SynthesizeAnswer>(db, logger)
{
    public const string Instructions = """
        You are the Analyst on a team of AI agents. Synthesise a comprehensive, well-structured final answer to the original task
        from the specialists' aggregated findings: an executive summary of two or three paragraphs; the main analysis in
        sections; key insights; actionable recommendations; supporting evidence with the specialist types it comes from and
        your confidence; limitations and caveats; and your overall confidence from 0 to 1. Integrate all specialists' insights,
        resolve contradictions with clear reasoning, and address every aspect of the task. If the manager's review of an
        earlier draft is included, fix every issue it raises.
        Answer only with the JSON object described by the response schema.
        """;

    protected override string StepName => "Synthesis";

    protected override string? AgentTypeFor(SynthesizeAnswer message) => AgentTypes.Analyst;

    protected override async Task ExecuteAsync(ConsumeContext<SynthesizeAnswer> context)
    {
        var (taskId, round, coordinationId, previousReview, userRevision) = context.Message;
        var ct = context.CancellationToken;
        var solutionId = Ids.Deterministic(Ids.SolutionPrefix, $"{taskId}:synthesis:{round}");
        var stepKey = $"synthesis:{round}";
        var recordId = AgentRecords.InteractionId(taskId, stepKey, InteractionTypes.Synthesis);

        if (await ReadAsync(taskId, [recordId], ct) is not { } read) return;
        if (read.Record(recordId) is { } stored)
        {
            await context.Publish(new AnswerSynthesized(taskId, solutionId, round, stored.Description ?? "", stored.Timestamp));
            return;
        }

        var aggregation = await Db.Solutions.AsNoTracking().Where(s => s.SolutionId == coordinationId).Select(s => s.Content).FirstAsync(ct);
        var material = $"""
            {AgentRecords.Describe(read.Task)}

            Aggregated findings from the specialists (JSON):
            {aggregation}
            {(previousReview is null ? "" : $"\nThe manager's review of your previous draft:\n{previousReview}")}
            {read.RevisionNote}
            """;
        var synthesis = await chat.AskAsync<SynthesisAnswer>(
            new AgentRequest(read.Task, AgentTypes.Analyst, Instructions, material, stepKey),
            s => string.IsNullOrWhiteSpace(s.ExecutiveSummary) ? "executive_summary must not be empty." : null,
            ct);

        var now = DateTime.UtcNow;
        Db.Solutions.Add(new SolutionEntity
        {
            SolutionId = solutionId,
            TaskId = taskId,
            AgentId = AgentTypes.AgentId(AgentTypes.Analyst),
            SolutionType = SolutionTypes.Synthesis,
            Content = ToMarkdown(synthesis),
            Metadata = AgentJson.Serialize(synthesis),
            Version = round,
            CreatedAt = now,
        });
        var sections = synthesis.MainContent.Count == 1 ? "1 section" : $"{synthesis.MainContent.Count} sections";
        var description = (previousReview, userRevision) switch
        {
            (not null, _) => $"Revised the final answer after the manager's review ({sections}, confidence {synthesis.OverallConfidence:0.00})",
            (null, true) => $"Revised the final answer at the user's request ({sections}, confidence {synthesis.OverallConfidence:0.00})",
            _ => $"Synthesised the final answer ({sections}, confidence {synthesis.OverallConfidence:0.00})",
        };
        Db.LogInteraction(stepKey, taskId, AgentTypes.Analyst, InteractionTypes.Synthesis, InteractionTypes.Synthesis,
            description, JsonSerializer.Serialize(new { solution_id = solutionId, round }));
        await Db.SaveChangesAsync(ct);
        await context.Publish(new AnswerSynthesized(taskId, solutionId, round, description, now));
    }

    public static string ToMarkdown(SynthesisAnswer answer)
    {
        var md = new StringBuilder();
        md.AppendLine("## Executive summary").AppendLine().AppendLine(answer.ExecutiveSummary.Trim()).AppendLine();
        foreach (var section in answer.MainContent)
        {
            md.AppendLine($"## {section.Heading.Trim()}").AppendLine().AppendLine(section.Content.Trim()).AppendLine();
        }
        AppendList(md, "Key insights", answer.KeyInsights, ordered: false);
        AppendList(md, "Recommendations", answer.Recommendations, ordered: true);
        if (answer.SupportingEvidence.Count > 0)
        {
            md.AppendLine("## Supporting evidence").AppendLine();
            foreach (var e in answer.SupportingEvidence)
            {
                md.AppendLine($"- **{e.Point.Trim()}** — {e.Content.Trim()} _(sources: {string.Join(", ", e.SourceSpecialists)}; confidence {e.Confidence:0.00})_");
            }
            md.AppendLine();
        }
        AppendList(md, "Limitations and caveats", answer.Limitations, ordered: false);
        md.AppendLine("## Confidence").AppendLine().AppendLine($"Overall confidence: {answer.OverallConfidence:0.00}");
        return md.ToString().TrimEnd() + "\n";
    }

    private static void AppendList(StringBuilder md, string heading, IReadOnlyList<string> items, bool ordered)
    {
        if (items.Count == 0) return;
        md.AppendLine($"## {heading}").AppendLine();
        for (var i = 0; i < items.Count; i++) md.AppendLine(ordered ? $"{i + 1}. {items[i].Trim()}" : $"- {items[i].Trim()}");
        md.AppendLine();
    }
}
