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

namespace MultiAgent.Orchestrator.Agents.Specialists;

/// <summary>
/// A specialist solves one subtask, given the accepted outputs of the subtasks it depends on and, on a revision,
/// its previous answer with the manager's requests. Each answer is a new solution version; old versions are kept.
/// </summary>
public sealed class ExecuteSubtaskConsumer(MultiAgentDbContext db, AgentChat chat, ILogger<ExecuteSubtaskConsumer> logger)
    : AgentStepConsumer<ExecuteSubtask>(db, logger)
{
    public const string Instructions = """
        You are a specialist on a team of AI agents. Solve the subtask you are given within your specialty, thoroughly and
        concretely. Use the outputs of the subtasks it depends on where relevant. If a previous version of your answer and the
        manager's review are included, address every revision request. Give your solution in markdown, the key findings,
        your confidence from 0 to 1, your sources or evidence, and your reasoning.
        Answer only with the JSON object described by the response schema.
        """;

    protected override string StepName => "Specialist execution";

    protected override string? AgentTypeFor(ExecuteSubtask message) =>
        string.IsNullOrEmpty(message.SpecialistType) ? null : message.SpecialistType;

    protected override async Task ExecuteAsync(ConsumeContext<ExecuteSubtask> context)
    {
        var (taskId, subtaskId, version, requestedSpecialist) = context.Message;
        var ct = context.CancellationToken;
        var solutionId = Ids.Deterministic(Ids.SolutionPrefix, $"{subtaskId}:v{version}");

        if (!await Db.Solutions.AnyAsync(s => s.SolutionId == solutionId, ct))
        {
            var subtask = await Db.Subtasks.FirstAsync(s => s.SubtaskId == subtaskId, ct);
            var requirements = JsonSerializer.Deserialize<DecomposeTaskConsumer.SubtaskRequirements>(subtask.Requirements!, AgentJson.Options)!;
            var specialist = string.IsNullOrEmpty(requestedSpecialist) ? requirements.SpecialistType : requestedSpecialist;
            var task = await Db.LoadTaskAsync(taskId, ct);
            var now = DateTime.UtcNow;

            subtask.Status = SubtaskStatuses.InProgress;
            subtask.AssignedAgentId = AgentTypes.AgentId(specialist);
            subtask.StartedAt ??= now;
            subtask.UpdatedAt = now;
            await Db.SaveChangesAsync(ct);
            await context.Publish(TaskEvents.SubtaskUpdate(taskId, subtaskId, SubtaskStatuses.InProgress, null, now));

            var material = await BuildMaterialAsync(task, subtask, requirements, specialist, version, ct);
            var answer = await chat.AskAsync<SpecialistAnswer>(
                new AgentRequest(taskId, specialist, Instructions, material),
                a => string.IsNullOrWhiteSpace(a.Content) ? "content must contain the solution." : null,
                ct);

            now = DateTime.UtcNow;
            Db.Solutions.Add(new SolutionEntity
            {
                SolutionId = solutionId,
                TaskId = taskId,
                SubtaskId = subtaskId,
                AgentId = AgentTypes.AgentId(specialist),
                SolutionType = SolutionTypes.Subtask,
                Content = answer.Content,
                Metadata = AgentJson.Serialize(new
                {
                    specialist_type = specialist,
                    answer.KeyFindings,
                    answer.Confidence,
                    answer.Sources,
                    answer.Reasoning,
                }),
                Version = version,
                CreatedAt = now,
            });
            subtask.Status = SubtaskStatuses.Completed;
            subtask.Result = answer.Content;
            subtask.CompletedAt = now;
            subtask.UpdatedAt = now;

            var description = version == 1
                ? $"Submitted a solution for \"{subtask.Title}\""
                : $"Submitted revision {version} for \"{subtask.Title}\"";
            await Db.LogInteractionAsync($"solution:{subtaskId}:v{version}", taskId, specialist, InteractionTypes.SolutionSubmission,
                "subtask_completed", description, JsonSerializer.Serialize(new { subtask_id = subtaskId, solution_id = solutionId, version }), ct);
            await Db.SaveChangesAsync(ct);

            await context.Publish(TaskEvents.SubtaskUpdate(taskId, subtaskId, SubtaskStatuses.Completed, AgentRecords.Preview(answer.Content), now));
            await context.Publish(TaskEvents.AgentActivity(taskId, specialist, "subtask_completed", description, now));
        }

        await context.Publish(new SubtaskSolved(taskId, subtaskId, solutionId, version));
    }

    private async Task<string> BuildMaterialAsync(TaskEntity task, SubtaskEntity subtask, DecomposeTaskConsumer.SubtaskRequirements requirements,
        string specialist, int version, CancellationToken ct)
    {
        var dependencyOutputs = new List<string>();
        foreach (var dependencyId in requirements.Dependencies)
        {
            var output = await Db.Solutions.AsNoTracking()
                .Where(s => s.SubtaskId == dependencyId && s.IsAccepted)
                .OrderByDescending(s => s.Version)
                .Select(s => new { s.Content, Title = Db.Subtasks.Where(x => x.SubtaskId == dependencyId).Select(x => x.Title).First() })
                .FirstOrDefaultAsync(ct);
            if (output is not null) dependencyOutputs.Add($"### {output.Title}\n{output.Content}");
        }

        var revision = "";
        if (version > 1)
        {
            var previous = await Db.Solutions.AsNoTracking()
                .Where(s => s.SubtaskId == subtask.SubtaskId && s.Version == version - 1)
                .Select(s => s.Content)
                .FirstOrDefaultAsync(ct);
            revision = $"""

                This is revision {version}. Your previous answer:
                {previous}

                The manager's review and revision requests:
                {subtask.ManagerFeedback}
                """;
        }

        return $"""
            You are the {specialist} specialist.

            Overall task:
            {AgentRecords.Describe(task)}

            Your subtask: {subtask.Title}
            {subtask.Description}
            Expected deliverable: {requirements.Deliverable}
            Focus areas: {string.Join(", ", requirements.FocusAreas)}

            Outputs of the subtasks this one depends on:
            {(dependencyOutputs.Count == 0 ? "(none)" : string.Join("\n\n", dependencyOutputs))}
            {revision}{await Db.RevisionNoteAsync(task.TaskId, ct)}
            """;
    }
}
