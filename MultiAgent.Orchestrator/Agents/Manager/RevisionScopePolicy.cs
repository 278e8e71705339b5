using MultiAgent.Contracts.Messages;

namespace MultiAgent.Orchestrator.Agents.Manager;

public sealed record PlannedSubtaskInfo(string SubtaskId, string Title, string Description, IReadOnlyList<string> Dependencies);

/// <summary>
/// How far back a user's revision reaches (the design document's revision flow): the whole task goes back to analysis,
/// specific subtasks go back to execution with everything downstream of them, and anything else goes back to synthesis.
/// </summary>
public static class RevisionScopePolicy
{
    /// <summary>Phrases that ask for the task to be approached again from the start.</summary>
    private static readonly string[] FullTaskPhrases =
    [
        "start over", "from scratch", "redo the whole", "redo everything", "entire task", "whole task", "completely different",
        "different approach", "rethink", "re-plan", "replan", "start again",
    ];

    private static readonly HashSet<string> StopWords = new(StringComparer.OrdinalIgnoreCase)
    {
        "about", "with", "that", "this", "from", "more", "less", "into", "than", "then", "them", "they", "their", "there",
        "what", "when", "where", "which", "while", "should", "would", "could", "please", "also", "some", "section", "sector",
        "part", "area", "areas", "data", "detail", "details", "include", "including",
    };

    /// <summary>
    /// The scope the user chose, when they chose one (chosen subtasks are taken with what depends on them; ids no longer in
    /// the current plan are ignored, and when none is left the request's words decide); otherwise the request's words and
    /// the specific areas decide.
    /// </summary>
    public static (RevisionScope Scope, IReadOnlyList<string> SubtaskIds) Decide(
        string request, IReadOnlyList<string> specificAreas, IReadOnlyList<PlannedSubtaskInfo> subtasks,
        RevisionScope? requestedScope, IReadOnlyList<string> requestedSubtaskIds)
    {
        switch (requestedScope)
        {
            case RevisionScope.FullTask:
            case RevisionScope.FinalAnswer:
                return (requestedScope.Value, []);
            case RevisionScope.SpecificSubtasks:
                var chosen = requestedSubtaskIds.Where(id => subtasks.Any(s => s.SubtaskId == id)).ToList();
                if (chosen.Count > 0) return (RevisionScope.SpecificSubtasks, WithDownstream(chosen, subtasks));
                break;
        }
        return Decide(request, specificAreas, subtasks);
    }

    public static (RevisionScope Scope, IReadOnlyList<string> SubtaskIds) Decide(
        string request, IReadOnlyList<string> specificAreas, IReadOnlyList<PlannedSubtaskInfo> subtasks)
    {
        if (FullTaskPhrases.Any(p => request.Contains(p, StringComparison.OrdinalIgnoreCase)))
        {
            return (RevisionScope.FullTask, []);
        }

        var areas = specificAreas.Where(a => !string.IsNullOrWhiteSpace(a)).ToList();
        if (areas.Count == 0)
        {
            return (RevisionScope.FinalAnswer, []);
        }

        // An area that names a subtask by its title means exactly that subtask; otherwise match by the area's words.
        var matched = subtasks.Where(s => areas.Any(a => string.Equals(a.Trim(), s.Title.Trim(), StringComparison.OrdinalIgnoreCase)))
            .Select(s => s.SubtaskId).ToList();
        if (matched.Count == 0)
        {
            matched = subtasks.Where(s => areas.Any(a => Mentions(s, a))).Select(s => s.SubtaskId).ToList();
        }
        // Areas the current plan does not cover at all need a new plan.
        return matched.Count == 0
            ? (RevisionScope.FullTask, [])
            : (RevisionScope.SpecificSubtasks, WithDownstream(matched, subtasks));
    }

    /// <summary>A subtask is about an area when at least half of the area's significant words appear in its title or description.</summary>
    public static bool Mentions(PlannedSubtaskInfo subtask, string area)
    {
        var words = SignificantWords(area);
        if (words.Count == 0) return false;
        var text = SignificantWords(subtask.Title + " " + subtask.Description);
        return words.Count(text.Contains) * 2 >= words.Count;
    }

    /// <summary>The given subtasks and every subtask that depends on them, directly or not, in plan order.</summary>
    public static IReadOnlyList<string> WithDownstream(IReadOnlyCollection<string> roots, IReadOnlyList<PlannedSubtaskInfo> subtasks)
    {
        var affected = new HashSet<string>(roots);
        bool added;
        do
        {
            added = false;
            foreach (var subtask in subtasks)
            {
                if (!affected.Contains(subtask.SubtaskId) && subtask.Dependencies.Any(affected.Contains))
                {
                    affected.Add(subtask.SubtaskId);
                    added = true;
                }
            }
        } while (added);
        return subtasks.Select(s => s.SubtaskId).Where(affected.Contains).ToList();
    }

    private static HashSet<string> SignificantWords(string text) =>
        text.Split([' ', ',', '.', ';', ':', '-', '_', '/', '(', ')', '\n', '\t', '"', '\''], StringSplitOptions.RemoveEmptyEntries)
            .Where(w => w.Length >= 4 && !StopWords.Contains(w))
            .Select(w => w.ToLowerInvariant().TrimEnd('s'))
            .ToHashSet();
}
