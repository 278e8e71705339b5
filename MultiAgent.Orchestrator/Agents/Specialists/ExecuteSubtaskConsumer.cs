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

        var stored = await Db.Solutions.AsNoTracking().Where(s => s.SolutionId == solutionId).Select(s => new { s.Content, s.CreatedAt, s.AgentId })
            .FirstOrDefaultAsync(ct);
        if (stored is not null)
        {
            var logged = await Db.FindInteractionAsync(stepKey, taskId, "subtask_completed", ct);
            await context.Publish(new SubtaskSolved(taskId, subtaskId, solutionId, version, AgentTypes.TypeOf(stored.AgentId ?? specialist),
                AgentRecords.Preview(stored.Content), logged?.Description ?? "", stored.CreatedAt));
            return;
        }

        var subtask = await Db.Subtasks.FirstAsync(s => s.SubtaskId == subtaskId, ct);
        var task = await Db.LoadTaskAsync(taskId, ct);
        var material = await BuildMaterialAsync(task, subtask, specialist, version, ct);
        var answer = await chat.AskAsync<SpecialistAnswer>(
            new AgentRequest(taskId, specialist, Instructions, material),
            a => string.IsNullOrWhiteSpace(a.Content) ? "content must contain the solution." : null,
            ct);

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
        subtask.Result = answer.Content;
        subtask.ResultMetadata = new SubtaskResultMetadata(solutionId, version, specialist, answer.KeyFindings, answer.Confidence, answer.Sources);

        var description = version == 1
            ? $"Submitted a solution for \"{subtask.Title}\""
            : $"Submitted version {version} of \"{subtask.Title}\"";
        await Db.LogInteractionAsync(stepKey, taskId, specialist, InteractionTypes.SolutionSubmission, "subtask_completed", description,
            AgentJson.Serialize(new { subtask_id = subtaskId, solution_id = solutionId, version }), ct);
        await Db.SaveChangesAsync(ct);

        await context.Publish(new SubtaskSolved(taskId, subtaskId, solutionId, version, specialist, AgentRecords.Preview(answer.Content), description, now));
    }

    private async Task<string> BuildMaterialAsync(TaskEntity task, SubtaskEntity subtask, string specialist, int version, CancellationToken ct)
    {
        // The accepted outputs of the dependencies (their latest accepted version), and on a revision the previous answer.
        var dependencies = subtask.Dependencies;
        var outputs = dependencies.Count == 0
            ? []
            : (await (from s in Db.Solutions.AsNoTracking()
                      join d in Db.Subtasks.AsNoTracking() on s.SubtaskId equals d.SubtaskId
                      where dependencies.Contains(s.SubtaskId!) && s.IsAccepted
                      select new { d.Title, s.SubtaskId, s.Version, s.Content }).ToListAsync(ct))
                .GroupBy(o => o.SubtaskId)
                .Select(g => g.OrderByDescending(o => o.Version).First())
                .OrderBy(o => dependencies.IndexOf(o.SubtaskId!))
                .Select(o => $"### {o.Title}\n{o.Content}")
                .ToList();

        var revision = "";
        if (version > 1)
        {
            var previous = await Db.Solutions.AsNoTracking()
                .Where(s => s.SubtaskId == subtask.SubtaskId && s.Version < version)
                .OrderByDescending(s => s.Version)
                .Select(s => s.Content)
                .FirstOrDefaultAsync(ct);
            revision = $"""

                This is version {version} of the solution. The previous version:
                {previous}

                The manager's review and revision requests:
                {subtask.ManagerFeedback ?? "(none: the user asked for this revision, see below)"}
                """;
        }

        var requirements = subtask.Requirements;
        return $"""
            You are the {specialist} specialist.

            Overall task:
            {AgentRecords.Describe(task)}

            Your subtask: {subtask.Title}
            {subtask.Description}
            Expected deliverable: {requirements.Deliverable}
            Focus areas: {string.Join(", ", requirements.FocusAreas)}

            Outputs of the subtasks this one depends on:
            {(outputs.Count == 0 ? "(none)" : string.Join("\n\n", outputs))}
            {revision}{await Db.RevisionNoteAsync(task.TaskId, ct)}
            """;
    }
}
