using MultiAgent.Orchestrator.Agents.Manager;

namespace MultiAgent.Tests.Orchestrator;

public class TaskGraphTests
{
    private static readonly string[] Allowed = ["market_researcher", "data_scientist", "business_analyst", "marketing_specialist", "financial_analyst"];

    private static GraphNode Node(string id, string specialist, params string[] dependencies) => new(id, specialist, dependencies);

    [Fact]
    public void The_design_documents_marketing_example_has_three_phases()
    {
        var graph = new[]
        {
            Node("1", "market_researcher"),
            Node("2", "data_scientist"),
            Node("3", "business_analyst"),
            Node("4", "marketing_specialist", "1", "2", "3"),
            Node("5", "financial_analyst", "4"),
        };

        Assert.Empty(TaskGraph.Validate(graph, Allowed));
        var phases = TaskGraph.Phases(graph);
        Assert.Equal(3, phases.Count);
        Assert.Equal(["1", "2", "3"], phases[0]);
        Assert.Equal(["4"], phases[1]);
        Assert.Equal(["5"], phases[2]);
    }

    [Fact]
    public void Phases_ignore_the_listing_order_and_follow_dependencies()
    {
        var graph = new[] { Node("c", "data_scientist", "b"), Node("b", "data_scientist", "a"), Node("a", "data_scientist") };
        Assert.Equal([["a"], ["b"], ["c"]], TaskGraph.Phases(graph).Select(p => p.ToArray()).ToArray());
    }

    [Fact]
    public void A_cycle_is_reported_with_its_path()
    {
        var graph = new[] { Node("a", "data_scientist", "c"), Node("b", "data_scientist", "a"), Node("c", "data_scientist", "b"), Node("d", "data_scientist") };
        var problems = TaskGraph.Validate(graph, Allowed);
        var problem = Assert.Single(problems);
        Assert.Contains("cycle", problem);
        Assert.Contains("a → c → b → a", problem);
        Assert.Throws<InvalidOperationException>(() => TaskGraph.Phases(graph));
    }

    [Fact]
    public void Self_dependency_unknown_dependency_unknown_specialist_and_duplicate_ids_are_all_reported()
    {
        var graph = new[]
        {
            Node("a", "data_scientist", "a"),
            Node("b", "astrologer"),
            Node("c", "data_scientist", "zzz"),
            Node("c", "data_scientist"),
        };
        var problems = TaskGraph.Validate(graph, Allowed);
        Assert.Contains(problems, p => p.Contains("'a' depends on itself"));
        Assert.Contains(problems, p => p.Contains("'astrologer'"));
        Assert.Contains(problems, p => p.Contains("'zzz'"));
        Assert.Contains(problems, p => p.Contains("used more than once"));
    }

    [Fact]
    public void An_empty_plan_is_invalid() => Assert.NotEmpty(TaskGraph.Validate([], Allowed));

    [Fact]
    public void Independent_subtasks_share_one_phase()
    {
        var graph = new[] { Node("x", "data_scientist"), Node("y", "financial_analyst"), Node("z", "business_analyst") };
        Assert.Empty(TaskGraph.Validate(graph, Allowed));
        Assert.Single(TaskGraph.Phases(graph));
    }
}

public class HierarchicalTaskGraphTests
{
    private static readonly string[] Allowed = ["developer", "ux_designer"];

    [Fact]
    public void A_parent_runs_after_its_parts()
    {
        var graph = new[]
        {
            new GraphNode("app", "developer", [], null),
            new GraphNode("ui", "ux_designer", [], "app"),
            new GraphNode("api", "developer", [], "app"),
        };
        Assert.Empty(TaskGraph.Validate(graph, Allowed));
        var phases = TaskGraph.Phases(graph);
        Assert.Equal([["ui", "api"], ["app"]], phases.Select(p => p.ToArray()).ToArray());
        Assert.Equal(["ui", "api"], TaskGraph.WithParents(graph).Single(n => n.Id == "app").Dependencies);
    }

    [Fact]
    public void Unknown_and_own_parents_are_reported()
    {
        var problems = TaskGraph.Validate(
            [new GraphNode("a", "developer", [], "a"), new GraphNode("b", "developer", [], "nope")], Allowed);
        Assert.Contains(problems, p => p.Contains("'a' is its own parent"));
        Assert.Contains(problems, p => p.Contains("parent 'nope'"));
    }

    [Fact]
    public void A_part_that_depends_on_its_parent_is_a_cycle()
    {
        var problems = TaskGraph.Validate(
            [new GraphNode("whole", "developer", [], null), new GraphNode("part", "developer", ["whole"], "whole")], Allowed);
        Assert.Contains(problems, p => p.Contains("cycle"));
    }
}
