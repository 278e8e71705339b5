using MultiAgent.Contracts.Messages;
using MultiAgent.Orchestrator.Agents.Manager;

namespace MultiAgent.Tests.Orchestrator;

public class RevisionScopePolicyTests
{
    private static readonly PlannedSubtaskInfo Market = new("s1", "Market analysis", "Market size, competitors and trends in the technology sector", []);
    private static readonly PlannedSubtaskInfo Segments = new("s2", "Customer segmentation", "Target customer profiles and segments", []);
    private static readonly PlannedSubtaskInfo Channels = new("s3", "Channel strategy", "Marketing channel recommendations", ["s1", "s2"]);
    private static readonly PlannedSubtaskInfo Budget = new("s4", "Budget allocation", "Marketing budget breakdown", ["s3"]);
    private static readonly PlannedSubtaskInfo[] Plan = [Market, Segments, Channels, Budget];

    [Fact]
    public void A_request_without_specific_areas_revises_the_final_answer()
    {
        var (scope, ids) = RevisionScopePolicy.Decide("Please make it more concise.", [], Plan);
        Assert.Equal(RevisionScope.FinalAnswer, scope);
        Assert.Empty(ids);
    }

    [Theory]
    [InlineData("Please start over with a different audience.")]
    [InlineData("Redo the whole thing from scratch")]
    [InlineData("Rethink the entire task")]
    public void Asking_to_start_again_revises_the_whole_task(string request) =>
        Assert.Equal(RevisionScope.FullTask, RevisionScopePolicy.Decide(request, ["technology sector"], Plan).Scope);

    [Fact]
    public void Specific_areas_revise_the_matching_subtasks_and_everything_downstream()
    {
        var (scope, ids) = RevisionScopePolicy.Decide("Include more data on competitors.", ["technology sector"], Plan);
        Assert.Equal(RevisionScope.SpecificSubtasks, scope);
        Assert.Equal(["s1", "s3", "s4"], ids);
    }

    [Fact]
    public void Areas_the_plan_does_not_cover_need_a_new_plan()
    {
        var (scope, _) = RevisionScopePolicy.Decide("Add the regulatory side.", ["healthcare regulation"], Plan);
        Assert.Equal(RevisionScope.FullTask, scope);
    }

    [Fact]
    public void Downstream_closure_follows_dependencies_transitively_and_keeps_plan_order()
    {
        Assert.Equal(["s2", "s3", "s4"], RevisionScopePolicy.WithDownstream(["s2"], Plan));
        Assert.Equal(["s4"], RevisionScopePolicy.WithDownstream(["s4"], Plan));
    }
}
