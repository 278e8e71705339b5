using Microsoft.EntityFrameworkCore;
using MultiAgent.Contracts;
using MultiAgent.Data;
using MultiAgent.Data.Entities;

namespace MultiAgent.Orchestrator.Agents;

/// <summary>The metadata of a specialist's solution (solutions.metadata of a subtask solution).</summary>
public sealed record SpecialistSolutionRecord(string SpecialistType, IReadOnlyList<string> KeyFindings, double Confidence, IReadOnlyList<string> Sources,
    string Reasoning);

/// <summary>The task as a step needs it.</summary>
public sealed record TaskBrief(string TaskId, string UserId, string Title, string Description, string Priority, string? Context, TaskStatus Status,
    decimal? BudgetUsd);

/// <summary>The user's revision request being worked on.</summary>
public sealed record RevisionBrief(string RevisionId, string Request, List<string> Areas);

/// <summary>An interaction a step stored earlier (its own record when it already ran, or an earlier step's).</summary>
public sealed record StoredStep(string InteractionId, string? Description, string? Metadata, DateTime Timestamp);

/// <summary>What every step reads before it works, in one query: the task, the revision in progress, the records it asked for.</summary>
public sealed record StepRead(TaskBrief Task, RevisionBrief? Revision, List<StoredStep> Records)
{
    public StoredStep? Record(string interactionId) => Records.FirstOrDefault(r => r.InteractionId == interactionId);

    /// <summary>The record's typed metadata, when the record exists.</summary>
    public TRecord? Metadata<TRecord>(string interactionId) where TRecord : class =>
        Record(interactionId) is { Metadata: { } json } ? System.Text.Json.JsonSerializer.Deserialize<TRecord>(json, Model.AgentJson.Options) : null;

    /// <summary>The user's revision request, for the agents' material; empty when there is none.</summary>
    public string RevisionNote => Revision is null
        ? ""
        : $"""

          The user asked for a revision of the previous result:
          {Revision.Request}
          Specific areas: {(Revision.Areas.Count == 0 ? "(none named)" : string.Join("; ", Revision.Areas))}
          """;
}

/// <summary>Reads and writes the records every step leaves behind; ids derive from the step, so a redelivered message writes nothing twice.</summary>
public static class AgentRecords
{
    /// <summary>The id of the interaction a step writes for <paramref name="stepKey"/> and <paramref name="action"/>.</summary>
    public static string InteractionId(string taskId, string stepKey, string action) => Ids.Deterministic(Ids.InteractionPrefix, $"{taskId}:{stepKey}:{action}");

    /// <summary>The task, the revision in progress and the named interactions, in one query; null when the task does not exist.</summary>
    public static Task<StepRead?> ReadStepAsync(this MultiAgentDbContext db, string taskId, IReadOnlyList<string> interactionIds,
        CancellationToken cancellationToken) =>
        db.Tasks.AsNoTracking()
            .Where(t => t.TaskId == taskId)
            .Select(t => new StepRead(
                new TaskBrief(t.TaskId, t.UserId, t.Title, t.Description, t.Priority, t.Context, t.Status, t.BudgetUsd),
                db.Revisions
                    .Where(r => r.TaskId == taskId && r.Status == RevisionStatus.InProgress)
                    .OrderByDescending(r => r.CreatedAt)
                    .Select(r => new RevisionBrief(r.RevisionId, r.RevisionRequest, r.SpecificAreas))
                    .FirstOrDefault(),
                db.Interactions
                    .Where(i => i.TaskId == taskId && interactionIds.Contains(i.InteractionId))
                    .Select(i => new StoredStep(i.InteractionId, i.Description, i.Metadata, i.Timestamp))
                    .ToList()))
            .FirstOrDefaultAsync(cancellationToken);

    /// <summary>Adds the step's interaction (the task's activity log). Written once: a step that finds its record does not run again.</summary>
    public static void LogInteraction(this MultiAgentDbContext db, string stepKey, string taskId, string agentType, string interactionType,
        string action, string description, string? metadata) =>
        db.Interactions.Add(new InteractionEntity
        {
            InteractionId = InteractionId(taskId, stepKey, action),
            TaskId = taskId,
            AgentId = AgentTypes.AgentId(agentType),
            InteractionType = interactionType,
            Action = action,
            Description = description,
            Metadata = metadata,
            Timestamp = DateTime.UtcNow,
        });

    /// <summary>The task as the agents see it: title, description, priority and context.</summary>
    public static string Describe(TaskBrief task) => $"""
        Task title: {task.Title}
        Priority: {task.Priority}
        Task description:
        {task.Description}
        Context (JSON): {task.Context ?? "{}"}
        """;

    /// <summary>The start of a text for live subscribers: whole words, never a split surrogate pair, "…" when cut.</summary>
    public static string Preview(string text, int length = 200)
    {
        text = text.Trim();
        if (text.Length <= length) return text;
        var cut = text.LastIndexOf(' ', length);
        if (cut < length / 2) cut = char.IsHighSurrogate(text[length - 1]) ? length - 1 : length;
        return text[..cut].TrimEnd() + "…";
    }
}
