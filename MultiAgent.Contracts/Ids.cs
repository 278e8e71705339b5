using System.Diagnostics.CodeAnalysis;

namespace MultiAgent.Contracts;

/// <summary>
/// Public ids are a short prefix plus a version-7 GUID: sortable by creation time, with 74 random bits so they cannot be guessed.
/// A task id maps one-to-one to the GUID that correlates its workflow saga.
/// </summary>
public static class Ids
{
    public const string TaskPrefix = "task_";
    public const string SubtaskPrefix = "sub_";
    public const string SolutionPrefix = "sol_";
    public const string InteractionPrefix = "int_";
    public const string RevisionPrefix = "rev_";

    public static string NewTaskId() => FromTaskGuid(Guid.CreateVersion7());
    public static string NewSubtaskId() => SubtaskPrefix + Guid.CreateVersion7().ToString("N");
    public static string NewSolutionId() => SolutionPrefix + Guid.CreateVersion7().ToString("N");
    public static string NewInteractionId() => InteractionPrefix + Guid.CreateVersion7().ToString("N");
    public static string NewRevisionId() => RevisionPrefix + Guid.CreateVersion7().ToString("N");

    public static string FromTaskGuid(Guid id) => TaskPrefix + id.ToString("N");

    public static Guid ToTaskGuid(string taskId) =>
        TryParseTaskId(taskId, out var id) ? id : throw new FormatException($"'{taskId}' is not a task id.");

    public static bool TryParseTaskId([NotNullWhen(true)] string? taskId, out Guid id)
    {
        id = Guid.Empty;
        return taskId is not null
            && taskId.StartsWith(TaskPrefix, StringComparison.Ordinal)
            && taskId.Length == TaskPrefix.Length + 32
            && Guid.TryParseExact(taskId.AsSpan(TaskPrefix.Length), "N", out id);
    }

    /// <summary>A deterministic id derived from a stable key, so a redelivered message writes the same row instead of a second one.</summary>
    public static string Deterministic(string prefix, string key)
    {
        var hash = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(key));
        return prefix + Convert.ToHexStringLower(hash.AsSpan(0, 16));
    }
}
