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

public class RevisionReopeningTests
{
    [Fact]
    public void Reopened_subtasks_get_a_new_version_and_execution_restarts_at_their_earliest_phase()
    {
        var saga = new TaskWorkflowState
        {
            Phases = [["a", "b"], ["c"], ["d"]],
            CurrentPhase = 2,
            Subtasks = new()
            {
                ["a"] = new SubtaskProgress { Status = SubtaskState.Accepted, Version = 1 },
                ["b"] = new SubtaskProgress { Status = SubtaskState.Accepted, Version = 2, RevisionCycles = 1 },
                ["c"] = new SubtaskProgress { Status = SubtaskState.Accepted, Version = 1 },
                ["d"] = new SubtaskProgress { Status = SubtaskState.Failed, Version = 3, RevisionCycles = 2 },
            },
        };

        TaskWorkflowStateMachine.ReopenSubtasks(saga, ["c", "d"]);

        Assert.Equal(1, saga.CurrentPhase);
        Assert.Equal((SubtaskState.Pending, 2, 0), (saga.Subtasks["c"].Status, saga.Subtasks["c"].Version, saga.Subtasks["c"].RevisionCycles));
        Assert.Equal((SubtaskState.Pending, 4, 0), (saga.Subtasks["d"].Status, saga.Subtasks["d"].Version, saga.Subtasks["d"].RevisionCycles));
        Assert.Equal(SubtaskState.Accepted, saga.Subtasks["a"].Status);
        Assert.Equal(2, TaskWorkflowStateMachine.NextRunnablePhase(saga));
    }

    [Fact]
    public void Phases_with_nothing_to_run_are_skipped()
    {
        var saga = new TaskWorkflowState
        {
            Phases = [["a"], ["b"], ["c"]],
            CurrentPhase = 0,
            Subtasks = new()
            {
                ["a"] = new SubtaskProgress { Status = SubtaskState.Accepted },
                ["b"] = new SubtaskProgress { Status = SubtaskState.Accepted },
                ["c"] = new SubtaskProgress { Status = SubtaskState.Pending },
            },
        };
        Assert.Equal(2, TaskWorkflowStateMachine.NextRunnablePhase(saga));
        saga.Subtasks["c"].Status = SubtaskState.Accepted;
        Assert.Equal(-1, TaskWorkflowStateMachine.NextRunnablePhase(saga));
    }
}
