using MassTransit;
using Microsoft.EntityFrameworkCore;
using MultiAgent.Contracts;
using MultiAgent.Contracts.Messages;
using MultiAgent.Data;
using MultiAgent.Data.Entities;
using MultiAgent.Orchestrator.Agents.Manager;
using MultiAgent.Orchestrator.Agents.Model;

namespace MultiAgent.Orchestrator.Agents.Specialists;

/// <summary>
/// A specialist solves one subtask, given the accepted outputs of the subtasks it depends on and, on a revision, its previous
/// answer with the manager's requests. Each answer is a new solution version; old versions are kept. The step writes its
/// solution and the subtask's latest result; the subtask's status is the workflow's.
/// </summary>
public sealed class ExecuteSubtaskConsumer(MultiAgentDbContext db, AgentChat chat, ILogger<ExecuteSubtaskConsumer> logger)
    : AgentStepConsumer<ExecuteSubtask>(db, logger)
{
    public const string Instructions = """
        You are a specialist on a team of AI agents. Solve the subtask you are given within your specialty, thoroughly and
        concretely. Use the outputs of the subtasks it depends on where relevant. If a previous version of your answer and the
        manager's review are included, address every revision request. Give your solution in markdown, the key findings,
        your confidence from 0 to 1, your sources or evidence (references a reader could look up), and your reasoning.
        Answer only with the JSON object described by the response schema.
        """;

    protected override string StepName => "Specialist execution";

    protected override string? AgentTypeFor(ExecuteSubtask message) => message.SpecialistType;

    protected override async Task ExecuteAsync(ConsumeContext<ExecuteSubtask> context)
    {
        var (taskId, subtaskId, version, specialist) = context.Message;
        var ct = context.CancellationToken;
        var solutionId = Ids.Deterministic(Ids.SolutionPrefix, $"{subtaskId}:v{version}");
        var stepKey = $"solution:{subtaskId}:v{version}";
        var recordId = AgentRecords.InteractionId(taskId, stepKey, "subtask_completed");

        if (await ReadAsync(taskId, [recordId], ct) is not { } read) return;
        var input = await Db.Subtasks.AsNoTracking()
            .Where(s => s.SubtaskId == subtaskId)
            .Select(s => new
            {
                s.Title,
                s.Description,
                s.Requirements,
                s.Dependencies,
                s.ManagerFeedback,
                Stored = Db.Solutions.Where(x => x.SolutionId == solutionId).Select(x => new { x.Content, x.CreatedAt, x.AgentId }).FirstOrDefault(),
                Previous = Db.Solutions.Where(x => x.SubtaskId == subtaskId && x.Version < version).OrderByDescending(x => x.Version)
                    .Select(x => x.Content).FirstOrDefault(),
            })
            .FirstAsync(ct);
        if (input.Stored is { } stored)
        {
            await context.Publish(new SubtaskSolved(taskId, subtaskId, solutionId, version, AgentTypes.TypeOf(stored.AgentId ?? AgentTypes.AgentId(specialist)),
                AgentRecords.Preview(stored.Content), read.Record(recordId)?.Description ?? "", stored.CreatedAt));
            return;
        }

        // The accepted outputs of the dependencies (their latest accepted version).
        var dependencies = input.Dependencies;
        var outputs = dependencies.Count == 0
            ? []
            : (await (from x in Db.Solutions.AsNoTracking()
                      join d in Db.Subtasks.AsNoTracking() on x.SubtaskId equals d.SubtaskId
                      where dependencies.Contains(x.SubtaskId!) && x.IsAccepted
                      select new { d.Title, x.SubtaskId, x.Version, x.Content }).ToListAsync(ct))
                .GroupBy(o => o.SubtaskId)
                .Select(g => g.OrderByDescending(o => o.Version).First())
                .OrderBy(o => dependencies.IndexOf(o.SubtaskId!))
                .Select(o => $"### {o.Title}\n{o.Content}")
                .ToList();

        var revision = version == 1 ? "" : $"""

            This is version {version} of the solution. The previous version:
            {input.Previous}

            The manager's review and revision requests:
            {input.ManagerFeedback ?? "(none: the user asked for this revision, see below)"}
            """;
        var material = $"""
            You are the {specialist} specialist.

            Overall task:
            {AgentRecords.Describe(read.Task)}

            Your subtask: {input.Title}
            {input.Description}
            Expected deliverable: {input.Requirements.Deliverable}
            Focus areas: {string.Join(", ", input.Requirements.FocusAreas)}

            Outputs of the subtasks this one depends on:
            {(outputs.Count == 0 ? "(none)" : string.Join("\n\n", outputs))}
            {revision}{read.RevisionNote}
            """;
        var answer = await chat.AskAsync<SpecialistAnswer>(
            new AgentRequest(read.Task, specialist, Instructions, material, stepKey),
            a => string.IsNullOrWhiteSpace(a.Content) ? "content must contain the solution." : null,
            ct);

        // The solution, the subtask's latest result and the interaction: one transaction.
        var now = DateTime.UtcNow;
        Db.Solutions.Add(new SolutionEntity
        {
            SolutionId = solutionId,
            TaskId = taskId,
            SubtaskId = subtaskId,
            AgentId = AgentTypes.AgentId(specialist),
            SolutionType = SolutionTypes.Subtask,
            Content = answer.Content,
            Metadata = AgentJson.Serialize(new SpecialistSolutionRecord(specialist, answer.KeyFindings, answer.Confidence, answer.Sources, answer.Reasoning)),
            Version = version,
            CreatedAt = now,
        });
        var row = Db.Subtasks.Attach(new SubtaskEntity
        {
            SubtaskId = subtaskId, TaskId = taskId, Title = input.Title, Description = input.Description, SpecialistType = specialist,
            Requirements = input.Requirements,
        });
        row.Entity.Result = answer.Content;
        row.Entity.ResultMetadata = new SubtaskResultMetadata(solutionId, version, specialist, answer.KeyFindings, answer.Confidence, answer.Sources);
        row.Property(x => x.Result).IsModified = true;
        row.Property(x => x.ResultMetadata).IsModified = true;

        var description = version == 1
            ? $"Submitted a solution for \"{input.Title}\""
            : $"Submitted version {version} of \"{input.Title}\"";
        Db.LogInteraction(stepKey, taskId, specialist, InteractionTypes.SolutionSubmission, "subtask_completed", description,
            AgentJson.Serialize(new { subtask_id = subtaskId, solution_id = solutionId, version }));
        await Db.SaveChangesAsync(ct);

        await context.Publish(new SubtaskSolved(taskId, subtaskId, solutionId, version, specialist, AgentRecords.Preview(answer.Content), description, now));
    }
}
