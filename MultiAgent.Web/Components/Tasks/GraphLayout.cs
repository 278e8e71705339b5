using MultiAgent.Contracts.Api;

namespace MultiAgent.Web.Components.Tasks;

/// <summary>Where each subtask of the task graph is drawn: one column per phase, in plan order within it, and an edge from each dependency.</summary>
public sealed record GraphLayout(IReadOnlyList<GraphNode> Nodes, IReadOnlyList<GraphEdge> Edges, IReadOnlyList<GraphColumn> Columns, int Width, int Height)
{
    public const int NodeWidth = 200;
    public const int NodeHeight = 74;
    public const int ColumnGap = 56;
    public const int RowGap = 16;
    public const int Padding = 12;
    public const int HeaderHeight = 26;

    public static GraphLayout Of(IReadOnlyList<SubtaskSummary> subtasks)
    {
        var phases = subtasks.Select(s => s.Phase).Distinct().Order().ToList();
        var nodes = new List<GraphNode>();
        var columns = new List<GraphColumn>();
        var maxRows = 0;
        for (var column = 0; column < phases.Count; column++)
        {
            var x = Padding + column * (NodeWidth + ColumnGap);
            columns.Add(new GraphColumn(phases[column], x));
            var inPhase = subtasks.Where(s => s.Phase == phases[column]).ToList();
            maxRows = Math.Max(maxRows, inPhase.Count);
            for (var row = 0; row < inPhase.Count; row++)
            {
                nodes.Add(new GraphNode(inPhase[row], x, Padding + HeaderHeight + row * (NodeHeight + RowGap)));
            }
        }

        var byId = nodes.ToDictionary(n => n.Subtask.SubtaskId);
        var edges = nodes
            .SelectMany(n => n.Subtask.Dependencies.Where(byId.ContainsKey).Select(d => new GraphEdge(byId[d], n)))
            .ToList();
        var width = phases.Count == 0 ? 0 : 2 * Padding + phases.Count * NodeWidth + (phases.Count - 1) * ColumnGap;
        var height = maxRows == 0 ? 0 : 2 * Padding + HeaderHeight + maxRows * NodeHeight + (maxRows - 1) * RowGap;
        return new GraphLayout(nodes, edges, columns, width, height);
    }
}

public sealed record GraphNode(SubtaskSummary Subtask, int X, int Y);

public sealed record GraphColumn(int Phase, int X);

/// <summary>From a dependency (right edge, middle) to the subtask that needs it (left edge, middle), as a gentle curve.</summary>
public sealed record GraphEdge(GraphNode From, GraphNode To)
{
    public string Path
    {
        get
        {
            var (x1, y1) = (From.X + GraphLayout.NodeWidth, From.Y + GraphLayout.NodeHeight / 2);
            var (x2, y2) = (To.X, To.Y + GraphLayout.NodeHeight / 2);
            var bend = Math.Max(24, (x2 - x1) / 2);
            return FormattableString.Invariant($"M{x1},{y1} C{x1 + bend},{y1} {x2 - bend},{y2} {x2},{y2}");
        }
    }
}
