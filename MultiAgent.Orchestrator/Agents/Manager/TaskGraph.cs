namespace MultiAgent.Orchestrator.Agents.Manager;

/// <param name="Parent">The larger subtask this one refines (hierarchical subtasks); a parent runs after its children and builds on them.</param>
public sealed record GraphNode(string Id, string Specialist, IReadOnlyList<string> Dependencies, string? Parent = null);

/// <summary>
/// The decomposition's dependency graph, validated in code: the model's plan is never trusted for ids, specialists,
/// or execution order. Phases are the graph's topological layers: everything in a phase can run in parallel.
/// </summary>
public static class TaskGraph
{
    /// <returns>Every problem found, as sentences the model can act on; empty when the graph is valid.</returns>
    public static IReadOnlyList<string> Validate(IReadOnlyList<GraphNode> nodes, IReadOnlyCollection<string> allowedSpecialists)
    {
        var problems = new List<string>();
        if (nodes.Count == 0)
        {
            problems.Add("The plan has no subtasks.");
            return problems;
        }

        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var node in nodes)
        {
            if (string.IsNullOrWhiteSpace(node.Id)) problems.Add("A subtask has an empty subtask_id.");
            else if (!ids.Add(node.Id)) problems.Add($"The subtask_id '{node.Id}' is used more than once.");
        }

        foreach (var node in nodes)
        {
            if (!allowedSpecialists.Contains(node.Specialist))
                problems.Add($"Subtask '{node.Id}' is assigned to '{node.Specialist}', which is not one of the selected specialists ({string.Join(", ", allowedSpecialists)}).");
            foreach (var dependency in node.Dependencies)
            {
                if (dependency == node.Id) problems.Add($"Subtask '{node.Id}' depends on itself.");
                else if (!ids.Contains(dependency)) problems.Add($"Subtask '{node.Id}' depends on '{dependency}', which is not a subtask in the plan.");
            }
            if (node.Parent is { } parent)
            {
                if (parent == node.Id) problems.Add($"Subtask '{node.Id}' is its own parent.");
                else if (!ids.Contains(parent)) problems.Add($"Subtask '{node.Id}' has parent '{parent}', which is not a subtask in the plan.");
            }
        }

        if (problems.Count == 0 && FindCycle(WithParents(nodes)) is { } cycle)
        {
            problems.Add($"The dependencies form a cycle: {string.Join(" → ", cycle)}.");
        }

        return problems;
    }

    /// <summary>The dependencies that execution follows: the declared ones, plus each parent waiting for its children.</summary>
    public static IReadOnlyList<GraphNode> WithParents(IReadOnlyList<GraphNode> nodes) =>
        nodes.Select(n => n with
        {
            Dependencies = n.Dependencies.Concat(nodes.Where(c => c.Parent == n.Id && c.Id != n.Id).Select(c => c.Id)).Distinct().ToList(),
        }).ToList();

    /// <summary>Topological layers of a valid graph (children before their parents), keeping the plan's order inside each layer.</summary>
    public static IReadOnlyList<IReadOnlyList<string>> Phases(IReadOnlyList<GraphNode> nodes)
    {
        var remaining = WithParents(nodes).ToList();
        var done = new HashSet<string>(StringComparer.Ordinal);
        var phases = new List<IReadOnlyList<string>>();
        while (remaining.Count > 0)
        {
            var ready = remaining.Where(n => n.Dependencies.All(done.Contains)).ToList();
            if (ready.Count == 0) throw new InvalidOperationException("The graph has a cycle; validate it before computing phases.");
            phases.Add(ready.Select(n => n.Id).ToList());
            foreach (var node in ready) done.Add(node.Id);
            remaining.RemoveAll(ready.Contains);
        }
        return phases;
    }

    /// <returns>The ids along one cycle (first id repeated at the end), or null when the graph is acyclic.</returns>
    public static IReadOnlyList<string>? FindCycle(IReadOnlyList<GraphNode> nodes)
    {
        var byId = nodes.GroupBy(n => n.Id).ToDictionary(g => g.Key, g => g.First());
        var state = new Dictionary<string, int>(); // 1 = on the current path, 2 = finished
        var path = new List<string>();

        IReadOnlyList<string>? Visit(string id)
        {
            state[id] = 1;
            path.Add(id);
            foreach (var dependency in byId[id].Dependencies.Where(byId.ContainsKey))
            {
                var s = state.GetValueOrDefault(dependency);
                if (s == 1) return [.. path.Skip(path.IndexOf(dependency)), dependency];
                if (s == 0 && Visit(dependency) is { } cycle) return cycle;
            }
            path.RemoveAt(path.Count - 1);
            state[id] = 2;
            return null;
        }

        foreach (var node in nodes)
        {
            if (state.GetValueOrDefault(node.Id) == 0 && Visit(node.Id) is { } cycle) return cycle;
        }
        return null;
    }
}
