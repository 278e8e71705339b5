using MultiAgent.Contracts;
using MultiAgent.Contracts.Api;
using MultiAgent.Web.Components.Tasks;

namespace MultiAgent.Tests.Web;

public class GraphLayoutTests
{
    private static SubtaskSummary Subtask(string id, int phase, params string[] dependencies) =>
        new(id, 1, null, $"Title {id}", $"Description {id}", SubtaskStatus.Pending, null, "data_researcher", phase, dependencies,
            null, null, null, 1, 0, null, null, null);

    [Fact]
    public void Subtasks_sit_in_one_column_per_phase_in_plan_order_with_an_edge_from_each_dependency()
    {
        var layout = GraphLayout.Of([Subtask("a", 1), Subtask("b", 1), Subtask("c", 2, "a", "b"), Subtask("d", 3, "c")]);

        Assert.Equal([1, 2, 3], layout.Columns.Select(c => c.Phase));
        var byId = layout.Nodes.ToDictionary(n => n.Subtask.SubtaskId);
        Assert.Equal(byId["a"].X, byId["b"].X);
        Assert.True(byId["b"].Y > byId["a"].Y);
        Assert.True(byId["c"].X > byId["a"].X && byId["d"].X > byId["c"].X);
        Assert.Equal(["a→c", "b→c", "c→d"], layout.Edges.Select(e => $"{e.From.Subtask.SubtaskId}→{e.To.Subtask.SubtaskId}").Order());
        // Everything is inside the drawing.
        Assert.All(layout.Nodes, n => Assert.True(n.X + GraphLayout.NodeWidth <= layout.Width && n.Y + GraphLayout.NodeHeight <= layout.Height));
    }

    [Fact]
    public void A_dependency_outside_the_shown_plan_draws_no_edge_and_no_subtasks_draw_nothing()
    {
        var layout = GraphLayout.Of([Subtask("a", 1, "gone")]);
        Assert.Empty(layout.Edges);
        Assert.Single(layout.Nodes);

        var empty = GraphLayout.Of([]);
        Assert.Empty(empty.Nodes);
        Assert.Equal((0, 0), (empty.Width, empty.Height));
    }

    [Fact]
    public void An_edge_runs_from_the_dependencys_right_side_to_the_dependents_left_side()
    {
        var layout = GraphLayout.Of([Subtask("a", 1), Subtask("b", 2, "a")]);
        var edge = Assert.Single(layout.Edges);
        var (fromX, midY) = (edge.From.X + GraphLayout.NodeWidth, edge.From.Y + GraphLayout.NodeHeight / 2);
        Assert.StartsWith($"M{fromX},{midY} ", edge.Path);
        Assert.EndsWith($" {edge.To.X},{edge.To.Y + GraphLayout.NodeHeight / 2}", edge.Path);
    }
}
