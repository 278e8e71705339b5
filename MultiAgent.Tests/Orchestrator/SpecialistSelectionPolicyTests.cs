using MultiAgent.Data;
using MultiAgent.Orchestrator.Agents;
using MultiAgent.Orchestrator.Agents.Manager;

namespace MultiAgent.Tests.Orchestrator;

public class SpecialistSelectionPolicyTests
{
    private static readonly IReadOnlyList<AgentRegistry.AgentDefinition> Registry = AgentRegistry.Specialists.ToList();

    private static SpecialistProposal Proposal(string type, double score) => new(type, score, $"{type} is needed", "high", ["focus"]);

    [Theory]
    [InlineData(Complexity.Simple, 2)]
    [InlineData(Complexity.Moderate, 3)]
    [InlineData(Complexity.Complex, 4)]
    public void The_number_of_specialists_follows_complexity(Complexity complexity, int expected)
    {
        var proposals = Registry.Select((r, i) => Proposal(r.Type, 0.9 - i * 0.05)).ToList();
        var selected = SpecialistSelectionPolicy.Select(complexity, ["research"], proposals, Registry);
        Assert.Equal(expected, selected.Count(s => !s.AddedForGap));
        Assert.InRange(selected.Count, SpecialistSelectionPolicy.MinSpecialists, SpecialistSelectionPolicy.MaxSpecialists);
    }

    [Fact]
    public void The_design_documents_finance_example_picks_the_finance_specialists_first()
    {
        var selected = SpecialistSelectionPolicy.Select(Complexity.Complex,
            ["data_analysis", "forecasting", "market_knowledge"],
            [Proposal("financial_analyst", 0.95), Proposal("data_scientist", 0.87), Proposal("market_researcher", 0.82)],
            Registry);

        // The manager's relevance and the registry's capability match both count: the data scientist covers two of the
        // three required capabilities, so it may rank above the financial analyst; all three proposed types are kept.
        Assert.Equal(["data_scientist", "financial_analyst", "market_researcher"], selected.Take(3).Select(s => s.Type).Order());
        Assert.Equal(selected.OrderByDescending(s => s.Score).Select(s => s.Type), selected.Select(s => s.Type));
        Assert.All(selected, s => Assert.InRange(s.Score, 0, 1));
        Assert.DoesNotContain(selected, s => s.AddedForGap);
    }

    [Fact]
    public void Types_the_registry_does_not_know_are_ignored()
    {
        var selected = SpecialistSelectionPolicy.Select(Complexity.Simple, ["software_development"],
            [Proposal("wizard", 1.0), Proposal("developer", 0.8)], Registry);
        Assert.DoesNotContain(selected, s => s.Type == "wizard");
        Assert.Equal("developer", selected[0].Type);
    }

    [Fact]
    public void A_capability_gap_adds_the_generalist()
    {
        var selected = SpecialistSelectionPolicy.Select(Complexity.Simple, ["software_development", "poetry_composition"],
            [Proposal("developer", 0.9), Proposal("security_expert", 0.7)], Registry);
        var generalist = Assert.Single(selected, s => s.Type == AgentRegistry.GeneralistType);
        Assert.True(generalist.AddedForGap);
        Assert.Contains("poetry_composition", generalist.Rationale);
    }

    [Fact]
    public void Near_duplicate_specialists_give_way_to_a_different_perspective()
    {
        var a = new AgentRegistry.AgentDefinition("a", AgentRegistry.RoleSpecialist, "", ["x", "y", "z"], "m", 0, 1);
        var b = new AgentRegistry.AgentDefinition("b", AgentRegistry.RoleSpecialist, "", ["x", "y", "z"], "m", 0, 1);
        var c = new AgentRegistry.AgentDefinition("c", AgentRegistry.RoleSpecialist, "", ["w", "x"], "m", 0, 1);
        var selected = SpecialistSelectionPolicy.Select(Complexity.Simple, ["x"], [Proposal("a", 0.9), Proposal("b", 0.89), Proposal("c", 0.5)], [a, b, c]);
        Assert.Equal(["a", "c"], selected.Select(s => s.Type));
    }

    [Theory]
    [InlineData("forecasting", "financial_forecasting", true)]
    [InlineData("trend analysis", "trend_analysis", true)]
    [InlineData("Market-Knowledge", "market_knowledge", true)]
    [InlineData("budgeting", "forecasting", false)]
    public void Capabilities_match_by_words(string capability, string requirement, bool expected) =>
        Assert.Equal(expected, SpecialistSelectionPolicy.Matches(capability, requirement));
}
