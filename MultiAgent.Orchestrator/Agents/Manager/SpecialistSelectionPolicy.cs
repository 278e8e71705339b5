using MultiAgent.Data;

namespace MultiAgent.Orchestrator.Agents.Manager;

public enum Complexity
{
    Simple,
    Moderate,
    Complex,
}

public sealed record SelectedSpecialist(string Type, double Score, string Rationale, string Priority, IReadOnlyList<string> FocusAreas, bool AddedForGap);

/// <summary>
/// The business rules applied to the manager's proposals (the design document's selection algorithm):
/// score every specialist type 0–1 against the registry, keep the top N by complexity, enforce diverse perspectives,
/// and add the generalist when the chosen specialists leave a required capability uncovered.
/// </summary>
public static class SpecialistSelectionPolicy
{
    public const int MinSpecialists = 2;
    public const int MaxSpecialists = 5;

    /// <summary>Weight of the manager's own relevance score against the capability match computed here.</summary>
    public const double ModelWeight = 0.6;

    public static int CountFor(Complexity complexity, int requiredCapabilities) => complexity switch
    {
        Complexity.Simple => 2,
        Complexity.Moderate => 3,
        _ => requiredCapabilities >= 6 ? 5 : 4,
    };

    public static IReadOnlyList<SelectedSpecialist> Select(
        Complexity complexity,
        IReadOnlyList<string> requiredCapabilities,
        IReadOnlyList<SpecialistProposal> proposals,
        IReadOnlyList<AgentRegistry.AgentDefinition> specialists)
    {
        var required = requiredCapabilities.Select(Normalize).Where(c => c.Length > 0).Distinct().ToList();
        var proposed = proposals
            .GroupBy(p => Normalize(p.Type))
            .ToDictionary(g => g.Key, g => g.OrderByDescending(p => p.RelevanceScore).First());

        var ranked = specialists
            .Where(s => s.Type != AgentRegistry.GeneralistType)
            .Select(s =>
            {
                proposed.TryGetValue(s.Type, out var proposal);
                var score = Score(proposal is null ? 0 : Math.Clamp(proposal.RelevanceScore, 0, 1), CapabilityMatch(s, required), required.Count > 0);
                return (Definition: s, Proposal: proposal, Score: score);
            })
            .OrderByDescending(x => x.Score)
            .ThenBy(x => x.Definition.Type, StringComparer.Ordinal)
            .ToList();

        var count = CountFor(complexity, required.Count);
        var chosen = new List<(AgentRegistry.AgentDefinition Definition, SpecialistProposal? Proposal, double Score)>();

        // Diverse perspectives first: skip a type that mostly repeats the capabilities of one already chosen.
        foreach (var candidate in ranked)
        {
            if (chosen.Count == count) break;
            if (candidate.Score <= 0) continue;
            if (chosen.Any(c => Similarity(c.Definition, candidate.Definition) >= 0.5)) continue;
            chosen.Add(candidate);
        }
        foreach (var candidate in ranked)
        {
            if (chosen.Count >= Math.Max(count, MinSpecialists)) break;
            if (!chosen.Any(c => c.Definition.Type == candidate.Definition.Type)) chosen.Add(candidate);
        }

        var result = chosen.Select(c => new SelectedSpecialist(
            c.Definition.Type,
            Math.Round(c.Score, 3),
            Rationale(c.Definition, c.Proposal, required),
            c.Proposal?.Priority ?? "medium",
            c.Proposal?.FocusAreas ?? [],
            AddedForGap: false)).ToList();

        var gaps = Gaps(chosen.Select(c => c.Definition).ToList(), required);
        if (gaps.Count > 0 && specialists.FirstOrDefault(s => s.Type == AgentRegistry.GeneralistType) is { } generalist)
        {
            if (result.Count >= MaxSpecialists) result.RemoveAt(result.Count - 1);
            result.Add(new SelectedSpecialist(generalist.Type, 0, $"Covers capabilities no selected specialist has: {string.Join(", ", gaps)}",
                "medium", gaps, AddedForGap: true));
        }

        return result;
    }

    /// <summary>Why a specialist was chosen: the required capabilities it matched, then the manager's own reason.</summary>
    public static string Rationale(AgentRegistry.AgentDefinition specialist, SpecialistProposal? proposal, IReadOnlyList<string> required)
    {
        var matched = specialist.Capabilities.Where(cap => required.Any(req => Matches(cap, req))).ToList();
        var match = matched.Count > 0 ? $"Matches {string.Join(", ", matched)}." : "Matches none of the required capabilities.";
        return proposal?.Rationale is { Length: > 0 } reason ? $"{match} {reason.Trim()}" : match;
    }

    public static double Score(double modelScore, double capabilityMatch, bool hasRequirements) =>
        hasRequirements ? ModelWeight * modelScore + (1 - ModelWeight) * capabilityMatch : modelScore;

    /// <summary>Share of the required capabilities this specialist has (0–1).</summary>
    public static double CapabilityMatch(AgentRegistry.AgentDefinition specialist, IReadOnlyList<string> required) =>
        required.Count == 0 ? 0 : required.Count(req => specialist.Capabilities.Any(cap => Matches(cap, req))) / (double)required.Count;

    public static IReadOnlyList<string> Gaps(IReadOnlyList<AgentRegistry.AgentDefinition> chosen, IReadOnlyList<string> required) =>
        required.Where(req => !chosen.Any(s => s.Capabilities.Any(cap => Matches(cap, req)))).ToList();

    /// <summary>Jaccard similarity of two specialists' capability sets.</summary>
    public static double Similarity(AgentRegistry.AgentDefinition a, AgentRegistry.AgentDefinition b)
    {
        var union = a.Capabilities.Union(b.Capabilities).Count();
        return union == 0 ? 0 : a.Capabilities.Intersect(b.Capabilities).Count() / (double)union;
    }

    /// <summary>A capability matches a requirement when they are equal or one's words contain the other's (forecasting ~ financial_forecasting).</summary>
    public static bool Matches(string capability, string requirement)
    {
        var cap = Normalize(capability);
        var req = Normalize(requirement);
        if (cap == req) return true;
        var capWords = cap.Split('_', StringSplitOptions.RemoveEmptyEntries);
        var reqWords = req.Split('_', StringSplitOptions.RemoveEmptyEntries);
        return reqWords.Length > 0 && capWords.Length > 0 &&
               (reqWords.All(w => capWords.Contains(w)) || capWords.All(w => reqWords.Contains(w)));
    }

    public static string Normalize(string value) =>
        string.Join('_', value.Trim().ToLowerInvariant().Split([' ', '-', '_', '/'], StringSplitOptions.RemoveEmptyEntries));
}
