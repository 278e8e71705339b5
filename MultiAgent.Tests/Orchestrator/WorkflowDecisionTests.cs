using MultiAgent.Contracts;
using MultiAgent.Contracts.Api;
using MultiAgent.Contracts.Messages;
using MultiAgent.Data;
using MultiAgent.Orchestrator.Workflow;

namespace MultiAgent.Tests.Orchestrator;

/// <summary>The workflow's decisions, as pure functions of the saga's state (the state machine only acts on them).</summary>
public class WorkflowDecisionTests
{
    private static TaskWorkflowState SagaWith(string specialist, int revisionCycles = 0) => new()
    {
        TaskId = Ids.NewTaskId(),
        SelectedSpecialists = [Specialist("financial_analyst"), Specialist("data_scientist"), Specialist("market_researcher")],
        Phases = [["s1"]],
        Subtasks = new() { ["s1"] = new SubtaskProgress { SpecialistType = specialist, State = SubtaskState.Reviewing, RevisionCycles = revisionCycles } },
    };

    private static SelectedSpecialist Specialist(string type) => new(type, 0.5, "");

    private static SolutionReviewed Review(ReviewDecision decision, double score = 0) =>
        new("t", "s1", "sol", 1, decision, score, "feedback", "", DateTimeOffset.UtcNow);

    [Fact]
    public void Accepted_solutions_stay_accepted_with_their_score_and_solution()
    {
        var saga = SagaWith("data_scientist");
        WorkflowDecisions.ApplyReview(saga, Review(ReviewDecision.Accepted, 8.5));
        var subtask = saga.Subtasks["s1"];
        Assert.Equal((SubtaskState.Accepted, AcceptanceStatus.Accepted, 8.5, "sol"), (subtask.State, subtask.Acceptance, subtask.Score, subtask.AcceptedSolutionId));
    }

    [Fact]
    public void Needs_revision_goes_back_to_the_same_specialist_with_a_new_version()
    {
        var saga = SagaWith("data_scientist");
        WorkflowDecisions.ApplyReview(saga, Review(ReviewDecision.NeedsRevision, 6));
        var subtask = saga.Subtasks["s1"];
        Assert.Equal(SubtaskState.NeedsWork, subtask.State);
        Assert.Equal(AcceptanceStatus.NeedsRevision, subtask.Acceptance);
        Assert.Equal("data_scientist", subtask.SpecialistType);
        Assert.Equal(2, subtask.Version);
        Assert.Equal(1, subtask.RevisionCycles);
        Assert.Equal("feedback", subtask.Feedback);
    }

    [Fact]
    public void Rejected_solutions_are_reassigned_to_a_different_specialist()
    {
        var saga = SagaWith("data_scientist");
        WorkflowDecisions.ApplyReview(saga, Review(ReviewDecision.Rejected));
        Assert.NotEqual("data_scientist", saga.Subtasks["s1"].SpecialistType);
        Assert.Contains(saga.Subtasks["s1"].SpecialistType, saga.SelectedSpecialists.Select(s => s.Type));
        Assert.Equal(AcceptanceStatus.Rejected, saga.Subtasks["s1"].Acceptance);
    }

    [Fact]
    public void After_two_revision_cycles_the_subtask_is_given_up_and_the_task_is_partial()
    {
        var saga = SagaWith("data_scientist", revisionCycles: WorkflowDecisions.MaxRevisionCycles);
        WorkflowDecisions.ApplyReview(saga, Review(ReviewDecision.NeedsRevision));
        Assert.Equal(SubtaskState.GivenUp, saga.Subtasks["s1"].State);
        Assert.Equal(SubtaskStatus.Failed, WorkflowDecisions.StatusOf(saga.Subtasks["s1"]));
        Assert.True(saga.HasPartialResults);
    }

    [Fact]
    public void A_lone_specialist_is_replaced_by_the_generalist() =>
        Assert.Equal(AgentRegistry.GeneralistType, WorkflowDecisions.ReassignTo(["developer"], "developer"));

    [Theory]
    [InlineData(SubtaskState.NeedsWork, SubtaskState.Pending, PhaseOutcome.Revise)]
    [InlineData(SubtaskState.Accepted, SubtaskState.Pending, PhaseOutcome.NextPhase)]
    [InlineData(SubtaskState.GivenUp, SubtaskState.Pending, PhaseOutcome.NextPhase)]
    [InlineData(SubtaskState.Accepted, SubtaskState.Accepted, PhaseOutcome.Coordinate)]
    [InlineData(SubtaskState.GivenUp, SubtaskState.Accepted, PhaseOutcome.Coordinate)]
    [InlineData(SubtaskState.GivenUp, SubtaskState.GivenUp, PhaseOutcome.Fail)]
    public void After_a_phase_is_reviewed_the_outcome_follows_the_state_table(SubtaskState current, SubtaskState later, PhaseOutcome expected)
    {
        var saga = new TaskWorkflowState
        {
            Phases = [["a"], ["b"]],
            CurrentPhase = later == SubtaskState.Pending ? 0 : 1,
            Subtasks = new()
            {
                ["a"] = new SubtaskProgress { State = later == SubtaskState.Pending ? current : later },
                ["b"] = new SubtaskProgress { State = later == SubtaskState.Pending ? later : current },
            },
        };
        Assert.Equal(expected, WorkflowDecisions.AfterPhaseReviewed(saga));
    }

    [Theory]
    [InlineData(true, 1, FinalReviewOutcome.Complete)]
    [InlineData(false, 1, FinalReviewOutcome.Resynthesize)]
    [InlineData(false, WorkflowDecisions.MaxFinalReviews, FinalReviewOutcome.Complete)]
    public void The_final_review_sends_the_answer_back_at_most_once_per_run(bool approved, int reviewsThisRun, FinalReviewOutcome expected) =>
        Assert.Equal(expected, WorkflowDecisions.AfterFinalReview(approved, reviewsThisRun));

    [Fact]
    public void The_coordinator_gets_exactly_the_accepted_solutions_of_the_current_plan_in_plan_order()
    {
        var saga = new TaskWorkflowState
        {
            Phases = [["b", "a"], ["c"]],
            Subtasks = new()
            {
                ["a"] = new SubtaskProgress { State = SubtaskState.Accepted, AcceptedSolutionId = "sol-a" },
                ["b"] = new SubtaskProgress { State = SubtaskState.Accepted, AcceptedSolutionId = "sol-b" },
                ["c"] = new SubtaskProgress { State = SubtaskState.GivenUp, SolutionId = "sol-c" },
            },
        };
        Assert.Equal([new AcceptedSolution("b", "sol-b"), new AcceptedSolution("a", "sol-a")], WorkflowDecisions.AcceptedSolutions(saga));
    }

    [Fact]
    public void Progress_rises_through_the_stages()
    {
        var subtasks = new[] { new SubtaskProgress { State = SubtaskState.Accepted }, new SubtaskProgress { State = SubtaskState.Executing } };
        TaskStage[] order = [TaskStage.TaskAnalysis, TaskStage.SpecialistSelection, TaskStage.TaskDecomposition, TaskStage.SpecialistExecution,
            TaskStage.Coordination, TaskStage.Synthesis, TaskStage.ManagerFinalReview, TaskStage.Completed];
        var percents = order.Select(s => TaskProgress.Percent(s, subtasks)).ToList();
        Assert.Equal(percents.OrderBy(p => p), percents);
        Assert.Equal(100, percents[^1]);
        Assert.Equal(20 + 27, TaskProgress.Percent(TaskStage.SpecialistExecution, subtasks));
    }

    [Theory]
    [InlineData(TaskStage.TaskAnalysis, false, TaskStatus.InProgress)]
    [InlineData(TaskStage.ManagerReview, false, TaskStatus.ManagerReview)]
    [InlineData(TaskStage.ManagerFinalReview, false, TaskStatus.ManagerReview)]
    [InlineData(TaskStage.Coordination, false, TaskStatus.Coordination)]
    [InlineData(TaskStage.RevisionPlanning, true, TaskStatus.RevisionPending)]
    [InlineData(TaskStage.Synthesis, true, TaskStatus.RevisionInProgress)]
    [InlineData(TaskStage.Completed, true, TaskStatus.Completed)]
    [InlineData(TaskStage.Cancelled, false, TaskStatus.Cancelled)]
    public void The_status_follows_the_stage(TaskStage stage, bool revision, TaskStatus expected) =>
        Assert.Equal(expected, TaskProgress.StatusFor(stage, revision));
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
                ["a"] = new SubtaskProgress { State = SubtaskState.Accepted, Version = 1, Versions = 1 },
                ["b"] = new SubtaskProgress { State = SubtaskState.Accepted, Version = 2, Versions = 2, RevisionCycles = 1 },
                ["c"] = new SubtaskProgress { State = SubtaskState.Accepted, Version = 1, Versions = 1, Score = 8, Acceptance = AcceptanceStatus.Accepted },
                ["d"] = new SubtaskProgress { State = SubtaskState.GivenUp, Version = 3, Versions = 3, RevisionCycles = 2 },
            },
        };

        WorkflowDecisions.Reopen(saga, ["c", "d"]);

        Assert.Equal(1, saga.CurrentPhase);
        Assert.Equal((SubtaskState.Pending, 2, 0), (saga.Subtasks["c"].State, saga.Subtasks["c"].Version, saga.Subtasks["c"].RevisionCycles));
        Assert.Equal((SubtaskState.Pending, 4, 0), (saga.Subtasks["d"].State, saga.Subtasks["d"].Version, saga.Subtasks["d"].RevisionCycles));
        Assert.Null(saga.Subtasks["c"].Score);
        Assert.Null(saga.Subtasks["c"].Acceptance);
        Assert.Equal(SubtaskState.Accepted, saga.Subtasks["a"].State);
        Assert.Equal(2, WorkflowDecisions.NextRunnablePhase(saga));
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
                ["a"] = new SubtaskProgress { State = SubtaskState.Accepted },
                ["b"] = new SubtaskProgress { State = SubtaskState.Accepted },
                ["c"] = new SubtaskProgress { State = SubtaskState.Pending },
            },
        };
        Assert.Equal(2, WorkflowDecisions.NextRunnablePhase(saga));
        saga.Subtasks["c"].State = SubtaskState.Accepted;
        Assert.Equal(-1, WorkflowDecisions.NextRunnablePhase(saga));
    }
}
