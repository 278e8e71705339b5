using MultiAgent.Contracts;
using MultiAgent.Contracts.Messages;
using MultiAgent.Data;
using MultiAgent.Orchestrator.Workflow;

namespace MultiAgent.Tests.Orchestrator;

public class WorkflowDecisionTests
{
    private static TaskWorkflowState SagaWith(string specialist, int revisionCycles = 0) => new()
    {
        TaskId = Ids.NewTaskId(),
        SelectedSpecialists = ["financial_analyst", "data_scientist", "market_researcher"],
        Phases = [["s1"]],
        Subtasks = new() { ["s1"] = new SubtaskProgress { SpecialistType = specialist, Status = SubtaskState.Reviewing, RevisionCycles = revisionCycles } },
    };

    private static SolutionReviewed Review(ReviewDecision decision) => new("t", "s1", "sol", 1, decision, 0);

    [Fact]
    public void Accepted_solutions_stay_accepted()
    {
        var saga = SagaWith("data_scientist");
        TaskWorkflowStateMachine.ApplyReview(saga, Review(ReviewDecision.Accepted));
        Assert.Equal(SubtaskState.Accepted, saga.Subtasks["s1"].Status);
    }

    [Fact]
    public void Needs_revision_goes_back_to_the_same_specialist_with_a_new_version()
    {
        var saga = SagaWith("data_scientist");
        TaskWorkflowStateMachine.ApplyReview(saga, Review(ReviewDecision.NeedsRevision));
        var subtask = saga.Subtasks["s1"];
        Assert.Equal(SubtaskState.NeedsWork, subtask.Status);
        Assert.Equal("data_scientist", subtask.SpecialistType);
        Assert.Equal(2, subtask.Version);
        Assert.Equal(1, subtask.RevisionCycles);
    }

    [Fact]
    public void Rejected_solutions_are_reassigned_to_a_different_specialist()
    {
        var saga = SagaWith("data_scientist");
        TaskWorkflowStateMachine.ApplyReview(saga, Review(ReviewDecision.Rejected));
        Assert.NotEqual("data_scientist", saga.Subtasks["s1"].SpecialistType);
        Assert.Contains(saga.Subtasks["s1"].SpecialistType, saga.SelectedSpecialists);
    }

    [Fact]
    public void After_two_revision_cycles_the_subtask_is_given_up_and_the_task_is_partial()
    {
        var saga = SagaWith("data_scientist", revisionCycles: TaskWorkflowStateMachine.MaxRevisionCycles);
        TaskWorkflowStateMachine.ApplyReview(saga, Review(ReviewDecision.NeedsRevision));
        Assert.Equal(SubtaskState.Failed, saga.Subtasks["s1"].Status);
        Assert.True(saga.HasPartialResults);
    }

    [Fact]
    public void A_lone_specialist_is_replaced_by_the_generalist()
    {
        Assert.Equal(AgentRegistry.GeneralistType, TaskWorkflowStateMachine.ReassignTo(["developer"], "developer"));
    }

    [Fact]
    public void Progress_rises_through_the_stages()
    {
        var subtasks = new[] { new SubtaskProgress { Status = SubtaskState.Accepted }, new SubtaskProgress { Status = SubtaskState.Executing } };
        string[] order = [Stages.TaskAnalysis, Stages.SpecialistSelection, Stages.TaskDecomposition, Stages.SpecialistExecution,
            Stages.Coordination, Stages.Synthesis, Stages.ManagerFinalReview, Stages.Completed];
        var percents = order.Select(s => TaskProgress.Percent(s, subtasks)).ToList();
        Assert.Equal(percents.OrderBy(p => p), percents);
        Assert.Equal(100, percents[^1]);
        Assert.Equal(20 + 27, TaskProgress.Percent(Stages.SpecialistExecution, subtasks));
    }
}
