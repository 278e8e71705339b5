using System.Text.Json;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using MultiAgent.Contracts;
using MultiAgent.Contracts.Api;
using MultiAgent.Contracts.Events;
using MultiAgent.Contracts.Messages;
using MultiAgent.Data;
using MultiAgent.Data.Entities;
using MultiAgent.Orchestrator.Agents;
using MultiAgent.Orchestrator.Agents.Manager;

namespace MultiAgent.Tests.Workflow;

/// <summary>
/// Every transition of the workflow's state table, driven in process with a scripted model: the saga on its Postgres
/// repository, the real steps, the harness carrying the messages. What each test checks is what the user would see: the
/// task and subtask rows (written by the saga only), the stored solutions, and the task events with their sequence.
/// </summary>
[Collection(WorkflowCollection.Name)]
[Trait("Category", "Workflow")]
public class WorkflowTests(WorkflowFixture workflow)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static void AssertCompleted(TaskEntity task) =>
        Assert.True(task.Status == TaskStatus.Completed, $"Task ended {task.Status} at {task.CurrentStage}: {task.ErrorMessage}");

    private async Task<List<SubtaskEntity>> SubtasksAsync(string taskId)
    {
        await using var db = workflow.CreateDbContext();
        return await db.Subtasks.AsNoTracking().Where(s => s.TaskId == taskId).OrderBy(s => s.Phase).ThenBy(s => s.CreatedAt).ToListAsync();
    }

    private async Task<List<SolutionEntity>> SolutionsAsync(string taskId, string type)
    {
        await using var db = workflow.CreateDbContext();
        return await db.Solutions.AsNoTracking().Where(s => s.TaskId == taskId && s.SolutionType == type).OrderBy(s => s.CreatedAt).ToListAsync();
    }

    /// <summary>The events in publication order, checked: sequences strictly increase by one, nothing follows the end.</summary>
    private IReadOnlyList<ITaskEvent> OrderedEvents(string taskId)
    {
        var events = workflow.EventsOf(taskId).OrderBy(e => e.Sequence).ToList();
        Assert.Equal(Enumerable.Range(1, events.Count).Select(i => (long)i), events.Select(e => e.Sequence));
        var end = events.FindIndex(e => e is TaskCompletedEvent);
        if (end >= 0) Assert.Equal(events.Count - 1, end);
        return events;
    }

    [Fact]
    public async Task A_task_runs_through_every_stage_to_a_completed_answer_and_says_so_in_ordered_events()
    {
        var taskId = await workflow.SubmitAsync();
        var task = await workflow.WaitForAsync(taskId);

        AssertCompleted(task);
        Assert.Equal((100, TaskStage.Completed), (task.Progress, task.CurrentStage));
        Assert.NotNull(task.CompletedAt);
        Assert.Null(task.ErrorMessage);

        var subtasks = await SubtasksAsync(taskId);
        Assert.Equal(3, subtasks.Count);
        Assert.All(subtasks, s =>
        {
            Assert.Equal(SubtaskStatus.Completed, s.Status);
            Assert.Equal(AcceptanceStatus.Accepted, s.AcceptanceStatus);
            Assert.Equal(8m, s.Score);
            Assert.Equal(1, s.Version);
            Assert.NotNull(s.Result);
            Assert.NotNull(s.StartedAt);
            Assert.NotNull(s.CompletedAt);
        });

        var final = Assert.Single(await SolutionsAsync(taskId, SolutionTypes.Final));
        Assert.Contains("## Executive summary", final.Content);

        // The events tell the whole story in order, and the last status event is the row's state.
        var events = OrderedEvents(taskId);
        Assert.Equal(task.EventSequence, events[^1].Sequence);
        var stages = events.OfType<StageTransitionEvent>().Select(e => e.ToStage).ToList();
        Assert.Equal([TaskStage.TaskAnalysis, TaskStage.SpecialistSelection, TaskStage.TaskDecomposition, TaskStage.SpecialistExecution,
            TaskStage.ManagerReview, TaskStage.Coordination, TaskStage.Synthesis, TaskStage.ManagerFinalReview, TaskStage.Completed], stages);
        var lastStatus = events.OfType<TaskStatusUpdateEvent>().Last();
        Assert.Equal((TaskStatus.Completed, 100, TaskStage.Completed), (lastStatus.Status, lastStatus.Progress, lastStatus.Stage));
        Assert.Equal(TaskStatus.Completed, Assert.IsType<TaskCompletedEvent>(events[^1]).Status);
        Assert.True(((TaskCompletedEvent)events[^1]).ResultAvailable);
        // Progress never goes back within the run.
        var progress = events.OfType<TaskStatusUpdateEvent>().Select(e => e.Progress).ToList();
        Assert.Equal(progress.Order(), progress);
        // A subtask's last update says what its row says.
        foreach (var subtask in subtasks)
        {
            var update = events.OfType<SubtaskUpdateEvent>().Last(e => e.SubtaskId == subtask.SubtaskId);
            Assert.Equal((SubtaskStatus.Completed, 8.0, AcceptanceStatus.Accepted), (update.Status, update.Subtask.Score, update.Subtask.AcceptanceStatus));
        }
        Assert.Contains(events.OfType<AgentActivityEvent>(), e => e.Action == InteractionTypes.TaskAnalysis && e.AgentType == AgentTypes.Manager);
        Assert.Equal(3, events.OfType<AgentActivityEvent>().Count(e => e.Action == "subtask_completed"));
    }

    [Fact]
    public async Task A_client_folding_the_events_into_its_first_state_ends_with_the_stored_state()
    {
        var taskId = await workflow.SubmitAsync();
        await workflow.WaitForAsync(taskId);

        var held = new TaskDetails(taskId, WorkflowFixture.UserOf(taskId), "A test task", "", Priorities.Medium, TaskStatus.Pending, 0,
            TaskStage.Initialization, null, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow, null, null, null, null, 0, null, [], [], [],
            new TaskUsage(0, 0, 0, 0, 0, false), null);
        // Delivered twice and out of order: stale events change nothing.
        var events = workflow.EventsOf(taskId).ToList();
        foreach (var taskEvent in events.Concat(events.AsEnumerable().Reverse()))
        {
            held = TaskEventFold.Apply(held, taskEvent).State;
        }

        await using var db = workflow.CreateDbContext();
        var row = await db.Tasks.AsNoTracking().SingleAsync(t => t.TaskId == taskId, Ct);
        Assert.Equal((row.Status, row.Progress, row.CurrentStage, row.EventSequence), (held.Status, held.Progress, held.CurrentStage, held.Sequence));
        var subtasks = await SubtasksAsync(taskId);
        Assert.Equal(subtasks.Select(s => (s.SubtaskId, s.Status, (double?)s.Score)), held.Subtasks.Select(s => (s.SubtaskId, s.Status, s.Score)));
    }

    [Fact]
    public async Task Selection_scores_every_registered_type_and_names_the_capabilities_that_matched()
    {
        var taskId = await workflow.SubmitAsync(script => script
            .On<TaskAnalysisAnswer>(call => Defaults.Analysis(call, ["forecasting", "trend_analysis", "financial_modeling"]))
            .On<SpecialistSelectionAnswer>(call => Defaults.Selection(call, ["financial_analyst", "data_scientist"])));
        var task = await workflow.WaitForAsync(taskId);

        AssertCompleted(task);
        Assert.NotEmpty(task.SelectedSpecialists);
        Assert.All(task.SelectedSpecialists, s => Assert.True(s.RelevanceScore > 0, $"{s.Type} scored {s.RelevanceScore}"));
        var analyst = Assert.Single(task.SelectedSpecialists, s => s.Type == "financial_analyst");
        Assert.StartsWith("Matches ", analyst.Rationale);
        Assert.Contains("forecasting", analyst.Rationale);
        Assert.Contains("financial_modeling", analyst.Rationale);
        // Every selected type exists in the registry.
        Assert.All(task.SelectedSpecialists, s => Assert.NotNull(AgentRegistry.Find(s.Type)));
    }

    [Fact]
    public async Task A_proposal_naming_a_type_outside_the_registry_is_sent_back_and_asked_again()
    {
        var taskId = await workflow.SubmitAsync(script => script
            .On<SpecialistSelectionAnswer>(call => call.Attempt == 1
                ? new SpecialistSelectionAnswer([new SpecialistProposal("business_wizard", 0.9, "Magic.", "high", [])])
                : null));
        var task = await workflow.WaitForAsync(taskId);

        AssertCompleted(task);
        var selectionCalls = workflow.Model.Script(taskId).Calls.Where(c => c.Step == nameof(SpecialistSelectionAnswer)).ToList();
        Assert.Equal(2, selectionCalls.Count);
        Assert.Contains("'business_wizard' is not a specialist type of the registry", selectionCalls[1].Material);
        Assert.DoesNotContain(task.SelectedSpecialists, s => s.Type == "business_wizard");
        // The answer's schema itself allowed only registered types.
        Assert.Equal(AgentRegistry.Specialists.Select(s => s.Type).Order(), selectionCalls[0].Allowed("type").Order());
    }

    [Fact]
    public async Task A_chained_plan_runs_phase_after_phase()
    {
        var taskId = await workflow.SubmitAsync(script => script.Dependencies = "chain");
        AssertCompleted(await workflow.WaitForAsync(taskId));

        var subtasks = await SubtasksAsync(taskId);
        Assert.Equal([1, 2, 3], subtasks.Select(s => s.Phase));
        Assert.Empty(subtasks[0].Dependencies);
        Assert.Equal([subtasks[0].SubtaskId], subtasks[1].Dependencies);
        Assert.True(subtasks[1].StartedAt >= subtasks[0].CompletedAt);
        Assert.True(subtasks[2].StartedAt >= subtasks[1].CompletedAt);
        // The second subtask's specialist read the first one's accepted output.
        var second = workflow.Model.Script(taskId).Calls.First(c => c.Step == nameof(SpecialistAnswer) && c.Material.Contains("Your subtask: Subtask st2"));
        Assert.Contains("### Subtask st1", second.Material);
    }

    [Fact]
    public async Task A_solution_needing_revision_goes_back_with_the_requests_then_is_accepted()
    {
        var taskId = await workflow.SubmitAsync(script => script
            .On<SolutionReviewAnswer>(call => call.Material.Contains("Solution version 1") ? Defaults.Review(6) : null));
        AssertCompleted(await workflow.WaitForAsync(taskId));

        var subtasks = await SubtasksAsync(taskId);
        var solutions = await SolutionsAsync(taskId, SolutionTypes.Subtask);
        foreach (var subtask in subtasks)
        {
            var versions = solutions.Where(s => s.SubtaskId == subtask.SubtaskId).OrderBy(s => s.Version).ToList();
            Assert.Equal([1, 2], versions.Select(v => v.Version));
            Assert.False(versions[0].IsAccepted);
            Assert.Equal(AcceptanceStatus.NeedsRevision, versions[0].Review!.Decision);
            Assert.Equal(6, versions[0].Review!.WeightedScore);
            Assert.True(versions[1].IsAccepted);
            Assert.Equal(versions[0].AgentId, versions[1].AgentId);
            Assert.Equal((2, SubtaskStatus.Completed, AcceptanceStatus.Accepted), (subtask.Version, subtask.Status, subtask.AcceptanceStatus));
        }
        var revisionCall = workflow.Model.Script(taskId).Calls.First(c => c.Step == nameof(SpecialistAnswer) && c.Material.Contains("This is version 2"));
        Assert.Contains("Add evidence for every claim", revisionCall.Material);
        // Subscribers saw the round trip.
        var events = OrderedEvents(taskId);
        Assert.Contains(events.OfType<StageTransitionEvent>(), e => e.ToStage == TaskStage.RevisionRequired);
        Assert.Contains(events.OfType<SubtaskUpdateEvent>(), e => e.Status == SubtaskStatus.NeedsRevision && e.Subtask.Score == 6);
    }

    [Fact]
    public async Task A_rejected_solution_is_reassigned_to_another_specialist()
    {
        var taskId = await workflow.SubmitAsync(script => script
            .On<SolutionReviewAnswer>(call => call.Material.Contains("Solution version 1") ? Defaults.Review(2) : null));
        AssertCompleted(await workflow.WaitForAsync(taskId));

        var solutions = await SolutionsAsync(taskId, SolutionTypes.Subtask);
        foreach (var group in solutions.GroupBy(s => s.SubtaskId))
        {
            var versions = group.OrderBy(s => s.Version).ToList();
            Assert.Equal(2, versions.Count);
            Assert.NotEqual(versions[0].AgentId, versions[1].AgentId);
            Assert.Equal(AcceptanceStatus.Rejected, versions[0].Review!.Decision);
        }
    }

    [Fact]
    public async Task A_subtask_that_exhausts_its_revisions_is_given_up_and_the_answer_says_it_is_partial()
    {
        var taskId = await workflow.SubmitAsync(script =>
        {
            script.Subtasks = 2;
            script.On<SolutionReviewAnswer>(call => call.Material.Contains("Subtask st1:") ? Defaults.Review(6) : null);
        });
        AssertCompleted(await workflow.WaitForAsync(taskId));

        var subtasks = await SubtasksAsync(taskId);
        var failed = Assert.Single(subtasks, s => s.Status == SubtaskStatus.Failed);
        Assert.Equal(3, failed.Version);
        var final = Assert.Single(await SolutionsAsync(taskId, SolutionTypes.Final));
        Assert.Contains("Partial completion", final.Content);
        Assert.Contains(failed.Title, final.Content);
        var metadata = JsonColumns.Deserialize<FinalAnswerMetadata>(final.Metadata!);
        Assert.True(metadata.PartialCompletion);
        Assert.Equal([failed.Title], metadata.FailedSubtasks);
    }

    [Fact]
    public async Task Nothing_acceptable_fails_the_task_with_a_reason_and_where_it_stopped()
    {
        var taskId = await workflow.SubmitAsync(script => script.On<SolutionReviewAnswer>(_ => Defaults.Review(5.5)));
        var task = await workflow.WaitForAsync(taskId);

        Assert.Equal(TaskStatus.Failed, task.Status);
        Assert.Equal(TaskStage.Failed, task.CurrentStage);
        Assert.Equal(TaskStage.ManagerReview, task.StoppedAtStage);
        Assert.Contains("No subtask produced an acceptable solution", task.ErrorMessage);
        Assert.NotNull(task.CompletedAt);
        Assert.All(await SubtasksAsync(taskId), s => Assert.Equal(SubtaskStatus.Failed, s.Status));
        var events = OrderedEvents(taskId);
        var error = Assert.Single(events.OfType<ErrorOccurredEvent>());
        Assert.Equal(("error", false), (error.Severity, error.RetryScheduled));
        Assert.Equal(TaskStatus.Failed, Assert.IsType<TaskCompletedEvent>(events[^1]).Status);
        await using var db = workflow.CreateDbContext();
        Assert.True(await db.Interactions.AnyAsync(i => i.TaskId == taskId && i.InteractionType == InteractionTypes.Failure, Ct));
    }

    [Fact]
    public async Task A_final_answer_sent_back_once_is_synthesised_again_with_the_review_then_approved()
    {
        var taskId = await workflow.SubmitAsync(script => script
            .On<FinalReviewAnswer>(call => workflow.Model.Script(call.TaskId).Calls.Count(c => c.Step == nameof(FinalReviewAnswer)) == 1
                ? new FinalReviewAnswer(false, 5, "Misses the risks.", ["Add a risk section"])
                : null));
        AssertCompleted(await workflow.WaitForAsync(taskId));

        Assert.Equal(2, (await SolutionsAsync(taskId, SolutionTypes.Synthesis)).Count);
        var second = workflow.Model.Script(taskId).Calls.Where(c => c.Step == nameof(SynthesisAnswer)).ElementAt(1);
        Assert.Contains("Misses the risks.", second.Material);
        Assert.Contains("Add a risk section", second.Material);
        var final = Assert.Single(await SolutionsAsync(taskId, SolutionTypes.Final));
        Assert.StartsWith("Approved in the manager's final review", final.AcceptanceFeedback);
    }

    [Fact]
    public async Task An_answer_the_final_review_never_approves_is_delivered_saying_so()
    {
        var taskId = await workflow.SubmitAsync(script => script
            .On<FinalReviewAnswer>(_ => new FinalReviewAnswer(false, 4, "Still shallow.", ["Go deeper"])));
        AssertCompleted(await workflow.WaitForAsync(taskId));

        Assert.Equal(2, (await SolutionsAsync(taskId, SolutionTypes.Synthesis)).Count);
        var final = Assert.Single(await SolutionsAsync(taskId, SolutionTypes.Final));
        Assert.StartsWith("Delivered after 2 final reviews without the manager's approval", final.AcceptanceFeedback);
        Assert.Contains("Still shallow.", final.AcceptanceFeedback);
    }

    [Fact]
    public async Task Sources_are_the_contributing_subtasks_and_the_references_their_specialists_cited()
    {
        var taskId = await workflow.SubmitAsync(script => script
            .On<SpecialistAnswer>(call => new SpecialistAnswer("A solution.", ["finding"], 0.8,
                ["Structured", "JSON", "OECD Economic Outlook, November 2026", "https://example.org/report"], "reasons")));
        AssertCompleted(await workflow.WaitForAsync(taskId));

        var final = Assert.Single(await SolutionsAsync(taskId, SolutionTypes.Final));
        var sources = JsonColumns.Deserialize<FinalAnswerMetadata>(final.Metadata!).Sources;
        var subtasks = await SubtasksAsync(taskId);
        Assert.Equal(subtasks.Select(s => s.SubtaskId), sources.Where(s => s.Kind == ResultSourceKinds.Subtask).Select(s => s.SubtaskId));
        Assert.All(sources.Where(s => s.Kind == ResultSourceKinds.Subtask), s => Assert.NotNull(s.AgentType));
        Assert.Equal(["OECD Economic Outlook, November 2026", "https://example.org/report"],
            sources.Where(s => s.Kind == ResultSourceKinds.Reference).Select(s => s.Title));
        Assert.DoesNotContain(sources, s => s.Title is "Structured" or "JSON");
    }

    [Fact]
    public async Task Reviews_maintain_the_agents_completed_count_and_average_rating()
    {
        await using var before = workflow.CreateDbContext();
        var writer = await before.Agents.AsNoTracking().SingleAsync(a => a.AgentId == "agent_technical_writer", Ct);

        var taskId = await workflow.SubmitAsync(script =>
        {
            script.Subtasks = 2;
            script.On<SpecialistSelectionAnswer>(call => Defaults.Selection(call, ["technical_writer", "ux_designer"]));
            script.On<TaskAnalysisAnswer>(call => Defaults.Analysis(call, ["writing", "documentation", "usability"]));
            script.On<SolutionReviewAnswer>(call => call.Material.Contains("technical_writer specialist")
                ? Defaults.Review(call.Material.Contains("Solution version 1") ? 6 : 9) : null);
        });
        AssertCompleted(await workflow.WaitForAsync(taskId));

        await using var after = workflow.CreateDbContext();
        var updated = await after.Agents.AsNoTracking().SingleAsync(a => a.AgentId == "agent_technical_writer", Ct);
        var reviews = (await SolutionsAsync(taskId, SolutionTypes.Subtask)).Where(s => s.AgentId == "agent_technical_writer").ToList();
        Assert.NotEmpty(reviews);
        Assert.Equal(writer.RatingCount + reviews.Count, updated.RatingCount);
        Assert.Equal(writer.TotalTasksCompleted + reviews.Count(r => r.IsAccepted), updated.TotalTasksCompleted);
        Assert.InRange(updated.AverageRating!.Value, 6m, 9m);
    }

    [Fact]
    public async Task An_agents_rating_keeps_counting_past_its_hundredth_review()
    {
        // Found under load: the mean was computed with the count cast to numeric(4,2), which overflowed at 100 reviews.
        await using var db = workflow.CreateDbContext();
        const string agentId = "agent_legal_advisor";
        var before = await db.Agents.AsNoTracking().SingleAsync(a => a.AgentId == agentId, Ct);
        await db.Agents.Where(a => a.AgentId == agentId).ExecuteUpdateAsync(s => s.SetProperty(a => a.RatingCount, 150).SetProperty(a => a.AverageRating, 8m), Ct);
        try
        {
            Assert.Equal(1, await AgentRatings.RecordAsync(db, agentId, 9.51, accepted: true, DateTime.UtcNow, Ct));
            var after = await db.Agents.AsNoTracking().SingleAsync(a => a.AgentId == agentId, Ct);
            Assert.Equal(151, after.RatingCount);
            Assert.Equal(Math.Round((8m * 150 + 9.51m) / 151, 2), after.AverageRating);
            Assert.Equal(before.TotalTasksCompleted + 1, after.TotalTasksCompleted);
        }
        finally
        {
            await db.Agents.Where(a => a.AgentId == agentId).ExecuteUpdateAsync(s => s
                .SetProperty(a => a.RatingCount, before.RatingCount)
                .SetProperty(a => a.AverageRating, before.AverageRating)
                .SetProperty(a => a.TotalTasksCompleted, before.TotalTasksCompleted), Ct);
        }
    }

    [Fact]
    public async Task A_step_that_fails_for_good_fails_the_task_with_the_step_and_the_reason()
    {
        var taskId = await workflow.SubmitAsync(script => script.Raw<DecompositionAnswer>(_ => "this is not json"));
        var task = await workflow.WaitForAsync(taskId);

        Assert.Equal(TaskStatus.Failed, task.Status);
        Assert.Equal(TaskStage.TaskDecomposition, task.StoppedAtStage);
        Assert.Contains("Task decomposition failed: the manager agent gave no usable answer after 3 attempts", task.ErrorMessage);
        Assert.Equal(3, workflow.Model.Script(taskId).Calls.Count(c => c.Step == nameof(DecompositionAnswer)));
    }

    [Fact]
    public async Task A_failure_that_passes_is_retried_announced_as_a_scheduled_retry_and_the_task_completes()
    {
        var failures = 0;
        var taskId = await workflow.SubmitAsync(script => script
            .Throw<TaskAnalysisAnswer>(_ => Interlocked.Increment(ref failures) == 1 ? new HttpRequestException("connection refused") : null));
        AssertCompleted(await workflow.WaitForAsync(taskId));

        var retry = await workflow.WaitForEventAsync<ErrorOccurredEvent>(taskId);
        Assert.True(retry.RetryScheduled);
        Assert.Equal("warning", retry.Severity);
        Assert.Equal("Task analysis", retry.Step);
        Assert.Contains("could not be reached", retry.Error);
        Assert.NotNull(retry.RetryInSeconds);
        OrderedEvents(taskId);
    }

    [Fact]
    public async Task A_model_call_that_times_out_on_its_way_is_retried_not_taken_for_a_cancellation()
    {
        // An HTTP timeout surfaces as a TaskCanceledException although nobody cancelled anything (CI saw a step end silently
        // on one, "stopped: the task was cancelled", and the task wait for the stalled-workflow sweep).
        var timeouts = 0;
        var taskId = await workflow.SubmitAsync(script => script
            .Throw<TaskAnalysisAnswer>(_ => Interlocked.Increment(ref timeouts) == 1
                ? new TaskCanceledException("The request was canceled due to the configured HttpClient.Timeout of 100 seconds elapsing.")
                : null));
        AssertCompleted(await workflow.WaitForAsync(taskId));

        var retry = await workflow.WaitForEventAsync<ErrorOccurredEvent>(taskId);
        Assert.True(retry.RetryScheduled);
        Assert.Equal("Task analysis", retry.Step);
        Assert.Contains("did not answer in time", retry.Error);
        Assert.Equal(2, workflow.Model.Script(taskId).Calls.Count(c => c.Step == nameof(TaskAnalysisAnswer)));
    }

    [Fact]
    public async Task Cancelling_during_execution_stops_the_work_and_nothing_after_says_otherwise()
    {
        var taskId = Ids.NewTaskId();
        var gate = workflow.Model.Script(taskId).Hold<SpecialistAnswer>();
        await workflow.InsertTaskAsync(taskId);
        await workflow.Harness.Bus.Publish(new TaskSubmitted(taskId, WorkflowFixture.UserOf(taskId), Priorities.Medium, DateTimeOffset.UtcNow), Ct);
        await gate.Reached.WaitAsync(TimeSpan.FromSeconds(30), Ct);

        var client = workflow.Harness.GetRequestClient<CancelTask>();
        var response = await client.GetResponse<TaskCancellationResult>(new CancelTask(taskId, WorkflowFixture.UserOf(taskId), DateTimeOffset.UtcNow), Ct);
        Assert.True(response.Message.Cancelled);
        Assert.Equal(TaskStatus.Cancelled, response.Message.Status);
        gate.Release();

        var task = await workflow.WaitForAsync(taskId);
        Assert.Equal(TaskStatus.Cancelled, task.Status);
        Assert.Equal(TaskStage.SpecialistExecution, task.StoppedAtStage);
        Assert.NotNull(task.CompletedAt);
        Assert.Equal(response.Message.CompletedAt, new DateTimeOffset(DateTime.SpecifyKind(task.CompletedAt!.Value, DateTimeKind.Utc)));

        // Let late results arrive: the task and its subtasks stay as the cancellation left them.
        await Task.Delay(1000, Ct);
        var subtasks = await SubtasksAsync(taskId);
        Assert.All(subtasks, s => Assert.Equal(SubtaskStatus.Cancelled, s.Status));
        Assert.Empty(await SolutionsAsync(taskId, SolutionTypes.Final));
        var events = OrderedEvents(taskId);
        Assert.Equal(TaskStatus.Cancelled, Assert.IsType<TaskCompletedEvent>(events[^1]).Status);
        var afterCancel = events.SkipWhile(e => e is not StageTransitionEvent { ToStage: TaskStage.Cancelled }).ToList();
        Assert.DoesNotContain(afterCancel.OfType<TaskStatusUpdateEvent>(), e => e.Status != TaskStatus.Cancelled);
        Assert.DoesNotContain(afterCancel.OfType<SubtaskUpdateEvent>(), e => e.Status != SubtaskStatus.Cancelled);
        await using var db = workflow.CreateDbContext();
        var interaction = await db.Interactions.SingleAsync(i => i.TaskId == taskId && i.InteractionType == InteractionTypes.Cancellation, Ct);
        Assert.Contains("specialist execution", interaction.Description);
        Assert.Equal(TaskStatus.Cancelled, (await db.Tasks.AsNoTracking().SingleAsync(t => t.TaskId == taskId, Ct)).Status);
    }

    [Fact]
    public async Task A_task_cancelled_before_its_workflow_started_never_starts()
    {
        var taskId = Ids.NewTaskId();
        await workflow.InsertTaskAsync(taskId);
        var client = workflow.Harness.GetRequestClient<CancelTask>();
        var response = await client.GetResponse<TaskCancellationResult>(new CancelTask(taskId, WorkflowFixture.UserOf(taskId), DateTimeOffset.UtcNow), Ct);
        Assert.True(response.Message.Cancelled);

        await workflow.Harness.Bus.Publish(new TaskSubmitted(taskId, WorkflowFixture.UserOf(taskId), Priorities.Medium, DateTimeOffset.UtcNow), Ct);
        await Task.Delay(500, Ct);
        var task = await workflow.WaitForAsync(taskId);
        Assert.Equal((TaskStatus.Cancelled, TaskStage.Initialization), (task.Status, task.StoppedAtStage));
        Assert.Empty(workflow.Model.Script(taskId).Calls);
    }

    [Fact]
    public async Task A_finished_task_cannot_be_cancelled_and_a_running_one_cannot_be_revised()
    {
        var finished = await workflow.SubmitAsync();
        AssertCompleted(await workflow.WaitForAsync(finished));
        var cancel = await workflow.Harness.GetRequestClient<CancelTask>()
            .GetResponse<TaskCancellationResult>(new CancelTask(finished, WorkflowFixture.UserOf(finished), DateTimeOffset.UtcNow), Ct);
        Assert.False(cancel.Message.Cancelled);
        Assert.Equal(TaskStatus.Completed, cancel.Message.Status);
        Assert.Contains("already completed", cancel.Message.Message);

        var running = Ids.NewTaskId();
        var gate = workflow.Model.Script(running).Hold<TaskAnalysisAnswer>();
        await workflow.InsertTaskAsync(running);
        await workflow.Harness.Bus.Publish(new TaskSubmitted(running, WorkflowFixture.UserOf(running), Priorities.Medium, DateTimeOffset.UtcNow), Ct);
        await gate.Reached.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        var revise = await workflow.Harness.GetRequestClient<ReviseTask>()
            .GetResponse<TaskRevisionResult>(new ReviseTask(running, Ids.NewRevisionId(), Priorities.Medium, DateTimeOffset.UtcNow), Ct);
        Assert.False(revise.Message.Started);
        Assert.Contains("Only a completed task can be revised", revise.Message.Message);
        gate.Release();
        AssertCompleted(await workflow.WaitForAsync(running));
    }

    private async Task<string> ReviseAsync(string taskId, string request, params string[] areas)
    {
        var revisionId = Ids.NewRevisionId();
        await using (var db = workflow.CreateDbContext())
        {
            db.Revisions.Add(new RevisionEntity { RevisionId = revisionId, TaskId = taskId, RevisionRequest = request, SpecificAreas = [.. areas], CreatedAt = DateTime.UtcNow });
            await db.SaveChangesAsync();
        }
        var response = await workflow.Harness.GetRequestClient<ReviseTask>()
            .GetResponse<TaskRevisionResult>(new ReviseTask(taskId, revisionId, Priorities.High, DateTimeOffset.UtcNow), Ct);
        Assert.True(response.Message.Started, response.Message.Message);
        Assert.Equal(TaskStatus.RevisionPending, response.Message.Status);
        return revisionId;
    }

    [Fact]
    public async Task A_revision_of_the_final_answer_gets_its_own_final_reviews()
    {
        var taskId = await workflow.SubmitAsync();
        AssertCompleted(await workflow.WaitForAsync(taskId));

        // In the revision the manager sends the first new draft back: the revision must not skip its final review.
        var reviewsBefore = workflow.Model.Script(taskId).Calls.Count(c => c.Step == nameof(FinalReviewAnswer));
        workflow.Model.Script(taskId).On<FinalReviewAnswer>(_ =>
            workflow.Model.Script(taskId).Calls.Count(c => c.Step == nameof(FinalReviewAnswer)) == reviewsBefore + 1
                ? new FinalReviewAnswer(false, 5, "The revision is not done yet.", ["Address the user's request"])
                : null);
        var revisionId = await ReviseAsync(taskId, "Make the conclusion shorter.");
        var task = await workflow.WaitForAsync(taskId, t => t.Status == TaskStatus.Completed && t.EventSequence > 0 && t.CompletedAt > t.CreatedAt
            && workflow.Model.Script(taskId).Calls.Count(c => c.Step == nameof(FinalReviewAnswer)) == reviewsBefore + 2);

        AssertCompleted(task);
        Assert.Equal(3, (await SolutionsAsync(taskId, SolutionTypes.Synthesis)).Count);
        var finals = await SolutionsAsync(taskId, SolutionTypes.Final);
        Assert.Equal(2, finals.Count);
        Assert.StartsWith("Approved in the manager's final review", finals[^1].AcceptanceFeedback);
        var userRevisionDraft = workflow.Model.Script(taskId).Calls.Where(c => c.Step == nameof(SynthesisAnswer)).ElementAt(1);
        Assert.Contains("Make the conclusion shorter.", userRevisionDraft.Material);
        await using var db = workflow.CreateDbContext();
        Assert.Equal(RevisionStatus.Completed, (await db.Revisions.SingleAsync(r => r.RevisionId == revisionId, Ct)).Status);
        Assert.Contains(await db.Interactions.Where(i => i.TaskId == taskId && i.InteractionType == InteractionTypes.Synthesis).Select(i => i.Description).ToListAsync(Ct),
            d => d!.Contains("at the user's request"));
    }

    [Fact]
    public async Task A_full_revision_plans_again_and_coordinates_only_the_new_plans_work()
    {
        var taskId = await workflow.SubmitAsync(script => script.Subtasks = 4);
        AssertCompleted(await workflow.WaitForAsync(taskId));

        workflow.Model.Script(taskId).Subtasks = 2;
        await ReviseAsync(taskId, "Start over with a completely different approach.");
        var task = await workflow.WaitForAsync(taskId, t => t.Status == TaskStatus.Completed
            && workflow.Model.Script(taskId).Calls.Count(c => c.Step == nameof(FinalReviewAnswer)) >= 2);
        AssertCompleted(task);

        var subtasks = await SubtasksAsync(taskId);
        Assert.Equal(4, subtasks.Count(s => s.PlanRound == 1));
        Assert.Equal(2, subtasks.Count(s => s.PlanRound == 2));
        var coordination = workflow.Model.Script(taskId).Calls.Where(c => c.Step == nameof(AggregationAnswer)).ToList();
        Assert.Equal(2, coordination.Count);
        Assert.Equal(2, CountSections(coordination[1].Material));
        var coordinated = (await SolutionsAsync(taskId, SolutionTypes.Coordination)).Last();
        Assert.Contains("\"total_specialists\"", coordinated.Metadata);

        static int CountSections(string material) => material.Split("\n## Subtask st").Length - 1;
    }

    [Fact]
    public async Task A_revision_of_named_subtasks_runs_them_and_what_depends_on_them_again()
    {
        var taskId = await workflow.SubmitAsync(script => script.Dependencies = "chain");
        AssertCompleted(await workflow.WaitForAsync(taskId));

        await ReviseAsync(taskId, "Redo the second part with more data.", "Subtask st2");
        var task = await workflow.WaitForAsync(taskId, t => t.Status == TaskStatus.Completed
            && workflow.Model.Script(taskId).Calls.Count(c => c.Step == nameof(FinalReviewAnswer)) >= 2);
        AssertCompleted(task);

        var subtasks = await SubtasksAsync(taskId);
        Assert.Equal([1, 2, 2], subtasks.Select(s => s.Version));
        Assert.All(subtasks, s => Assert.Equal(SubtaskStatus.Completed, s.Status));
    }

    [Fact]
    public async Task A_redelivered_message_that_moved_the_saga_sends_the_states_commands_again_and_is_not_applied_twice()
    {
        var taskId = Ids.NewTaskId();
        var gate = workflow.Model.Script(taskId).Hold<TaskAnalysisAnswer>();
        await workflow.InsertTaskAsync(taskId);
        var messageId = NewId.NextGuid();
        var submitted = new TaskSubmitted(taskId, WorkflowFixture.UserOf(taskId), Priorities.Medium, DateTimeOffset.UtcNow);
        await workflow.Harness.Bus.Publish(submitted, context => context.MessageId = messageId, Ct);
        await gate.Reached.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        var sequence = (await workflow.SagaAsync(taskId))!.Sequence;

        // The same message again, as RabbitMQ redelivers it after a crash before the acknowledgement.
        await workflow.Harness.Bus.Publish(submitted, context => context.MessageId = messageId, Ct);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (DateTime.UtcNow < deadline && workflow.Harness.Published.Select<AnalyzeTask>(m => m.Context.Message.TaskId == taskId, Ct).Count() < 2)
        {
            await Task.Delay(25, Ct);
        }
        Assert.Equal(2, workflow.Harness.Published.Select<AnalyzeTask>(m => m.Context.Message.TaskId == taskId, Ct).Count());
        var saga = await workflow.SagaAsync(taskId);
        Assert.Equal((nameof(MultiAgent.Orchestrator.Workflow.TaskWorkflowStateMachine.TaskAnalysis), sequence), (saga!.CurrentState, saga.Sequence));

        gate.Release();
        AssertCompleted(await workflow.WaitForAsync(taskId));
        // The analysis answered twice (two commands) but is stored once; the task went on once.
        await using var db = workflow.CreateDbContext();
        Assert.Equal(1, await db.Interactions.CountAsync(i => i.TaskId == taskId && i.InteractionType == InteractionTypes.TaskAnalysis, Ct));
        Assert.Single(await SolutionsAsync(taskId, SolutionTypes.Final));
        OrderedEvents(taskId);
    }

    [Fact]
    public async Task Priority_is_carried_by_the_tasks_steps()
    {
        var taskId = await workflow.SubmitAsync(priority: Priorities.Urgent);
        AssertCompleted(await workflow.WaitForAsync(taskId));
        Assert.Equal(Priorities.Urgent, (await workflow.SagaAsync(taskId))!.Priority);
        Assert.Equal(MultiAgent.Orchestrator.Workflow.MessagePriority.Max, MultiAgent.Orchestrator.Workflow.MessagePriority.Of(Priorities.Urgent));
        Assert.True(MultiAgent.Orchestrator.Workflow.MessagePriority.Of(Priorities.High) > MultiAgent.Orchestrator.Workflow.MessagePriority.Of(Priorities.Low));
    }
}
