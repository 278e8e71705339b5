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

    [Fact]
    public void A_scope_the_user_chose_wins_over_the_words_of_the_request()
    {
        // The words ask to start over, the user chose the final answer only: the choice is what happens.
        var (scope, ids) = RevisionScopePolicy.Decide("Start over with a different audience.", [], Plan, RevisionScope.FinalAnswer, []);
        Assert.Equal(RevisionScope.FinalAnswer, scope);
        Assert.Empty(ids);
        Assert.Equal(RevisionScope.FullTask,
            RevisionScopePolicy.Decide("Please make it more concise.", [], Plan, RevisionScope.FullTask, []).Scope);
    }

    [Fact]
    public void Chosen_subtasks_are_redone_with_everything_downstream_in_plan_order()
    {
        var (scope, ids) = RevisionScopePolicy.Decide("Use 2025 figures.", [], Plan, RevisionScope.SpecificSubtasks, ["s2", "s1"]);
        Assert.Equal(RevisionScope.SpecificSubtasks, scope);
        Assert.Equal(["s1", "s2", "s3", "s4"], ids);
        Assert.Equal(["s3", "s4"], RevisionScopePolicy.Decide("Use 2025 figures.", [], Plan, RevisionScope.SpecificSubtasks, ["s3"]).SubtaskIds);
    }

    [Fact]
    public void Chosen_subtasks_no_longer_in_the_plan_leave_the_decision_to_the_words()
    {
        var (scope, ids) = RevisionScopePolicy.Decide("Please make it more concise.", [], Plan, RevisionScope.SpecificSubtasks, ["gone"]);
        Assert.Equal(RevisionScope.FinalAnswer, scope);
        Assert.Empty(ids);
    }
}
