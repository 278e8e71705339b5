using Microsoft.EntityFrameworkCore;
using MultiAgent.Contracts;
using MultiAgent.Data;
using MultiAgent.Data.Entities;

namespace MultiAgent.Orchestrator.Agents;

/// <summary>The metadata of a specialist's solution (solutions.metadata of a subtask solution).</summary>
public sealed record SpecialistSolutionRecord(string SpecialistType, IReadOnlyList<string> KeyFindings, double Confidence, IReadOnlyList<string> Sources,
    string Reasoning);

/// <summary>Writes the records every step leaves behind; ids derive from the step, so a redelivered message writes nothing twice.</summary>
public static class AgentRecords
{
    public static async Task LogInteractionAsync(this MultiAgentDbContext db, string stepKey, string taskId, string agentType,
        string interactionType, string action, string description, string? metadata, CancellationToken cancellationToken)
    {
        var id = Ids.Deterministic(Ids.InteractionPrefix, $"{taskId}:{stepKey}:{action}");
        if (await db.Interactions.AnyAsync(i => i.InteractionId == id, cancellationToken)) return;
        db.Interactions.Add(new InteractionEntity
        {
            InteractionId = id,
            TaskId = taskId,
            AgentId = AgentTypes.AgentId(agentType),
            InteractionType = interactionType,
            Action = action,
            Description = description,
            Metadata = metadata,
            Timestamp = DateTime.UtcNow,
        });
    }

    public static Task<InteractionEntity?> FindInteractionAsync(this MultiAgentDbContext db, string stepKey, string taskId, string action,
        CancellationToken cancellationToken)
    {
        var id = Ids.Deterministic(Ids.InteractionPrefix, $"{taskId}:{stepKey}:{action}");
        return db.Interactions.AsNoTracking().FirstOrDefaultAsync(i => i.InteractionId == id, cancellationToken);
    }

    /// <summary>The record a step stored with its interaction, when this step already ran (the message was redelivered).</summary>
    public static async Task<TRecord?> StoredRecordAsync<TRecord>(this MultiAgentDbContext db, string stepKey, string taskId, string action,
        CancellationToken cancellationToken) where TRecord : class =>
        await db.FindInteractionAsync(stepKey, taskId, action, cancellationToken) is { Metadata: { } json }
            ? System.Text.Json.JsonSerializer.Deserialize<TRecord>(json, Model.AgentJson.Options)
            : null;

    /// <summary>The metadata of the most recent interaction of a type: how one step hands its findings to the next.</summary>
    public static async Task<string?> LatestMetadataAsync(this MultiAgentDbContext db, string taskId, string interactionType,
        CancellationToken cancellationToken) =>
        await db.Interactions.AsNoTracking()
            .Where(i => i.TaskId == taskId && i.InteractionType == interactionType)
            .OrderByDescending(i => i.Timestamp)
            .Select(i => i.Metadata)
            .FirstOrDefaultAsync(cancellationToken);

    /// <summary>The user's revision request being worked on, for the agents' material; empty when there is none.</summary>
    public static async Task<string> RevisionNoteAsync(this MultiAgentDbContext db, string taskId, CancellationToken cancellationToken)
    {
        var revision = await db.Revisions.AsNoTracking()
            .Where(r => r.TaskId == taskId && r.Status == RevisionStatus.InProgress)
            .OrderByDescending(r => r.CreatedAt)
            .FirstOrDefaultAsync(cancellationToken);
        return revision is null
            ? ""
            : $"""

              The user asked for a revision of the previous result:
              {revision.RevisionRequest}
              Specific areas: {(revision.SpecificAreas.Count == 0 ? "(none named)" : string.Join("; ", revision.SpecificAreas))}
              """;
    }

    public static Task<TaskEntity> LoadTaskAsync(this MultiAgentDbContext db, string taskId, CancellationToken cancellationToken) =>
        db.Tasks.AsNoTracking().FirstAsync(t => t.TaskId == taskId, cancellationToken);

    /// <summary>The task as the agents see it: title, description, priority and context.</summary>
    public static string Describe(TaskEntity task) => $"""
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
