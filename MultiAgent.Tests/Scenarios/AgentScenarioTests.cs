using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using MultiAgent.Contracts;
using MultiAgent.Contracts.Api;
using MultiAgent.Tests.EndToEnd;

namespace MultiAgent.Tests.Scenarios;

/// <summary>
/// Each path of the agents' logic, driven through the Api on the real platform. The simulated model is steered by
/// test-only directives in the task's description (<c>[[sim:...]]</c>, see MultiAgent.AiGateway's docs/simulated-model.md);
/// the rules under test (rubric, reassignment, graph validation, repair, partial completion) are the Orchestrator's.
/// </summary>
[Trait("Category", "AppHost")]
[Collection(PlatformCollection.Name)]
public class AgentScenarioTests(PlatformFixture platform)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private const string AllScores = "number.completeness={0};number.accuracy={0};number.relevance={0};number.quality={0}";

    private static string Scores(double score) => string.Format(System.Globalization.CultureInfo.InvariantCulture, AllScores, score);

    private Task<HttpClient> NewUser() => platform.CreateUserClientAsync();

    private static async Task<TaskDetails> RunAsync(HttpClient api, string title, string description)
    {
        var created = await PlatformFixture.SubmitAsync(api, title, description);
        return await PlatformFixture.WaitForStatusAsync(api, created.TaskId, t => TaskStatuses.IsTerminal(t.Status), PlatformFixture.TaskTimeout);
    }

    private static void AssertCompleted(TaskDetails task) =>
        Assert.True(task.Status == TaskStatuses.Completed, $"Task ended {task.Status}: {task.Error}");

    [Fact]
    public async Task Chained_plan_runs_in_three_phases_each_after_the_one_it_depends_on()
    {
        using var api = await NewUser();
        var task = await RunAsync(api, "Three phase plan",
            "Research the market, then design the product, then price it. [[sim:count.subtasks=3;dependencies=chain]]");

        AssertCompleted(task);
        Assert.Equal([1, 2, 3], task.Subtasks.Select(s => s.Phase).Order());
        var byPhase = task.Subtasks.OrderBy(s => s.Phase).ToList();
        Assert.Empty(byPhase[0].Dependencies);
        Assert.Equal([byPhase[0].SubtaskId], byPhase[1].Dependencies);
        Assert.Equal([byPhase[1].SubtaskId], byPhase[2].Dependencies);

        await using var db = await platform.CreateDbContextAsync();
        var subtasks = await db.Subtasks.Where(s => s.TaskId == task.TaskId).ToListAsync(Ct);
        // A phase starts only after the phase before it has an accepted solution.
        var first = subtasks.Single(s => s.SubtaskId == byPhase[0].SubtaskId);
        var second = subtasks.Single(s => s.SubtaskId == byPhase[1].SubtaskId);
        var third = subtasks.Single(s => s.SubtaskId == byPhase[2].SubtaskId);
        Assert.True(second.StartedAt >= first.CompletedAt);
        Assert.True(third.StartedAt >= second.CompletedAt);
    }

    [Fact]
    public async Task A_subtask_broken_down_into_a_part_is_stored_as_its_parent_and_runs_after_it()
    {
        using var api = await NewUser();
        var task = await RunAsync(api, "Hierarchical plan",
            "Build a small web shop: catalogue, cart and checkout. [[sim:count.subtasks=3;dependencies=none;item.3.parent_subtask_id=st1]]");

        AssertCompleted(task);
        var part = Assert.Single(task.Subtasks, s => s.ParentSubtaskId is not null);
        var parent = task.Subtasks.Single(s => s.SubtaskId == part.ParentSubtaskId);
        Assert.Contains(part.SubtaskId, parent.Dependencies);
        Assert.True(parent.Phase > part.Phase);
    }

    [Fact]
    public async Task Solution_needing_revision_is_revised_with_the_reviewers_requests_then_accepted()
    {
        using var api = await NewUser();
        var task = await RunAsync(api, "Revise once",
            $"Compare three project management tools for a small team. [[sim:if=Solution version 1;{Scores(6)}]]");

        AssertCompleted(task);
        await using var db = await platform.CreateDbContextAsync();
        var solutions = await db.Solutions.Where(s => s.TaskId == task.TaskId && s.SolutionType == SolutionTypes.Subtask).ToListAsync(Ct);
        foreach (var subtask in task.Subtasks)
        {
            var versions = solutions.Where(s => s.SubtaskId == subtask.SubtaskId).OrderBy(s => s.Version).ToList();
            Assert.Equal([1, 2], versions.Select(v => v.Version));
            Assert.False(versions[0].IsAccepted);
            Assert.False(string.IsNullOrWhiteSpace(versions[0].AcceptanceFeedback));
            Assert.True(versions[1].IsAccepted);
            Assert.Equal(versions[0].AgentId, versions[1].AgentId);
            Assert.Equal(AcceptanceStatuses.Accepted, subtask.AcceptanceStatus);
        }

        var reviews = await db.Interactions.Where(i => i.TaskId == task.TaskId && i.InteractionType == InteractionTypes.SolutionReview).ToListAsync(Ct);
        Assert.Equal(2 * task.Subtasks.Count, reviews.Count);
        Assert.Contains(reviews, r => r.Description!.Contains("6.00/10, needs_revision"));
    }

    [Fact]
    public async Task Rejected_solution_is_reassigned_to_a_different_specialist()
    {
        using var api = await NewUser();
        var task = await RunAsync(api, "Reassign after rejection",
            $"Plan a data migration from a legacy CRM to a new one. [[sim:if=Solution version 1;{Scores(2)}]]");

        AssertCompleted(task);
        await using var db = await platform.CreateDbContextAsync();
        var solutions = await db.Solutions.Where(s => s.TaskId == task.TaskId && s.SolutionType == SolutionTypes.Subtask).ToListAsync(Ct);
        foreach (var subtask in task.Subtasks)
        {
            var versions = solutions.Where(s => s.SubtaskId == subtask.SubtaskId).OrderBy(s => s.Version).ToList();
            Assert.Equal(2, versions.Count);
            Assert.NotEqual(versions[0].AgentId, versions[1].AgentId);
            Assert.True(versions[1].IsAccepted);
        }
    }

    [Fact]
    public async Task Subtask_that_exhausts_its_revisions_fails_and_the_task_completes_partially()
    {
        using var api = await NewUser();
        var task = await RunAsync(api, "Partial completion",
            $"Write a launch plan and a budget for a food truck. [[sim:count.subtasks=2;dependencies=none]][[sim:if=Subtask st1:;{Scores(6)}]]");

        AssertCompleted(task);
        var failed = Assert.Single(task.Subtasks, s => s.Status == SubtaskStatuses.Failed);
        Assert.Equal(3, failed.Versions);
        Assert.Single(task.Subtasks, s => s.Status == SubtaskStatuses.Completed);

        var result = await api.GetFromJsonAsync<TaskResultResponse>($"/api/v1/tasks/{task.TaskId}/result", JsonDefaults.Options, Ct);
        Assert.True(result!.Result!.PartialCompletion);
        Assert.Contains("Partial completion", result.Result.FinalAnswer);
        Assert.Contains(failed.Title, result.Result.FinalAnswer);
    }

    [Fact]
    public async Task Every_solution_exhausting_its_revisions_fails_the_task_with_a_reason()
    {
        using var api = await NewUser();
        var task = await RunAsync(api, "Nothing usable", $"Summarise the history of tea in one page. [[sim:{Scores(5.5)}]]");

        Assert.Equal(TaskStatuses.Failed, task.Status);
        Assert.Contains("No subtask produced an acceptable solution", task.Error);
        Assert.All(task.Subtasks, s => Assert.Equal(SubtaskStatuses.Failed, s.Status));
    }

    [Fact]
    public async Task Final_answer_rejected_once_is_synthesised_again_then_approved()
    {
        using var api = await NewUser();
        var task = await RunAsync(api, "Final review loop",
            "Explain how a heat pump works to a homeowner. [[sim:if=Final answer draft 1;bool.approved=false]]");

        AssertCompleted(task);
        await using var db = await platform.CreateDbContextAsync();
        var syntheses = await db.Solutions.Where(s => s.TaskId == task.TaskId && s.SolutionType == SolutionTypes.Synthesis)
            .OrderBy(s => s.Version).ToListAsync(Ct);
        Assert.Equal([1, 2], syntheses.Select(s => s.Version));
        Assert.False(syntheses[0].IsAccepted);
        Assert.True(syntheses[1].IsAccepted);
        var finalReviews = await db.Interactions.Where(i => i.TaskId == task.TaskId && i.InteractionType == InteractionTypes.FinalReview)
            .OrderBy(i => i.Timestamp).ToListAsync(Ct);
        Assert.Equal(2, finalReviews.Count);
        Assert.StartsWith("Sent the final answer back", finalReviews[0].Description);
        Assert.StartsWith("Approved", finalReviews[1].Description);
    }

    [Fact]
    public async Task Cyclic_plan_is_sent_back_with_the_reason_and_repaired()
    {
        using var api = await NewUser();
        var task = await RunAsync(api, "Cycle repaired",
            "Organise a neighbourhood clean-up day. [[sim:count.subtasks=3]][[sim:unless=could not be used;dependencies=cycle]]");

        AssertCompleted(task);
        Assert.Equal(3, task.Subtasks.Count);
        await using var db = await platform.CreateDbContextAsync();
        var managerCalls = await db.AiApiUsage.CountAsync(u => u.TaskId == task.TaskId && u.AgentId == "agent_manager", Ct);
        // analysis + selection + decomposition twice (the cyclic plan, then the repaired one) + one review per subtask + final review
        Assert.Equal(1 + 1 + 2 + task.Subtasks.Count + 1, managerCalls);
    }

    [Fact]
    public async Task Malformed_model_output_is_re_asked_and_repaired()
    {
        using var api = await NewUser();
        var task = await RunAsync(api, "Malformed once",
            "List the pros and cons of remote work. [[sim:unless=could not be used;fail=malformed]]");

        AssertCompleted(task);
        await using var db = await platform.CreateDbContextAsync();
        var calls = await db.AiApiUsage.CountAsync(u => u.TaskId == task.TaskId, Ct);
        // Every step answered twice: once malformed, once repaired.
        Assert.True(calls % 2 == 0 && calls >= 2 * (6 + 2 * task.Subtasks.Count), $"unexpected number of model calls: {calls}");
    }

    [Fact]
    public async Task Persistently_malformed_output_fails_the_task_with_the_reason()
    {
        using var api = await NewUser();
        var task = await RunAsync(api, "Always malformed", "Describe the rules of chess briefly. [[sim:fail=malformed]]");

        Assert.Equal(TaskStatuses.Failed, task.Status);
        Assert.Contains("Task analysis failed", task.Error);
        Assert.Contains("no usable answer after 3 attempts", task.Error);

        await using var db = await platform.CreateDbContextAsync();
        Assert.Equal("Failed", (await db.TaskWorkflows.SingleAsync(w => w.TaskId == task.TaskId, Ct)).CurrentState);
        Assert.Equal(3, await db.AiApiUsage.CountAsync(u => u.TaskId == task.TaskId, Ct));
    }

    [Fact]
    public async Task Model_that_stays_unavailable_is_retried_with_backoff_then_the_task_fails_with_the_error()
    {
        using var api = await NewUser();
        var started = DateTime.UtcNow;
        var task = await RunAsync(api, "Provider down", "Compare two cloud providers for a startup. [[sim:fail=unavailable]]");

        Assert.Equal(TaskStatuses.Failed, task.Status);
        Assert.Contains("Task analysis failed", task.Error);
        Assert.Contains("HTTP 503 after 5 retries", task.Error);
        // Retried after 1, 2, 4, 8 and 16 seconds before giving up (a lower bound on behaviour, not a speed check).
        Assert.True(DateTime.UtcNow - started >= TimeSpan.FromSeconds(31), "the step gave up before its five retries");

        await using var db = await platform.CreateDbContextAsync();
        Assert.Contains(await db.Interactions.Where(i => i.TaskId == task.TaskId).Select(i => i.InteractionType).ToListAsync(Ct),
            t => t == InteractionTypes.Failure);
    }

    [Fact]
    public async Task Revision_of_the_final_answer_synthesises_a_new_version_and_keeps_the_old()
    {
        using var api = await NewUser();
        var task = await RunAsync(api, "Revise final answer", "Recommend a laptop for a student who edits video.");
        AssertCompleted(task);

        var revision = await ReviseAsync(api, task.TaskId, new { revision_request = "Please make the answer shorter and friendlier." });
        var done = await PlatformFixture.WaitForStatusAsync(api, task.TaskId, t => t.Status == TaskStatuses.Completed && t.CompletedAt > task.CompletedAt,
            PlatformFixture.TaskTimeout);
        AssertCompleted(done);

        await using var db = await platform.CreateDbContextAsync();
        var finals = await db.Solutions.Where(s => s.TaskId == task.TaskId && s.SolutionType == SolutionTypes.Final).ToListAsync(Ct);
        Assert.Equal(2, finals.Count);
        Assert.Equal(2, await db.Solutions.CountAsync(s => s.TaskId == task.TaskId && s.SolutionType == SolutionTypes.Synthesis, Ct));
        // Nothing upstream of the synthesis ran again.
        Assert.All(await db.Solutions.Where(s => s.TaskId == task.TaskId && s.SolutionType == SolutionTypes.Subtask).ToListAsync(Ct),
            s => Assert.Equal(1, s.Version));
        Assert.Equal("completed", (await db.Revisions.SingleAsync(r => r.RevisionId == revision.RevisionId, Ct)).Status);
    }

    [Fact]
    public async Task Revision_of_specific_subtasks_executes_them_again_with_new_versions()
    {
        using var api = await NewUser();
        var task = await RunAsync(api, "Revise a subtask",
            "Prepare an onboarding guide for new engineers. [[sim:count.subtasks=2;dependencies=none]]");
        AssertCompleted(task);
        var target = task.Subtasks[0];

        await ReviseAsync(api, task.TaskId, new { revision_request = "Go deeper on this part.", specific_areas = new[] { target.Title } });
        var done = await PlatformFixture.WaitForStatusAsync(api, task.TaskId, t => t.Status == TaskStatuses.Completed && t.CompletedAt > task.CompletedAt,
            PlatformFixture.TaskTimeout);
        AssertCompleted(done);

        await using var db = await platform.CreateDbContextAsync();
        var solutions = await db.Solutions.Where(s => s.TaskId == task.TaskId && s.SolutionType == SolutionTypes.Subtask).ToListAsync(Ct);
        Assert.Equal([1, 2], solutions.Where(s => s.SubtaskId == target.SubtaskId).Select(s => s.Version).Order());
        Assert.All(solutions.Where(s => s.SubtaskId != target.SubtaskId), s => Assert.Equal(1, s.Version));
        Assert.Equal(2, await db.Solutions.CountAsync(s => s.TaskId == task.TaskId && s.SolutionType == SolutionTypes.Coordination, Ct));
        Assert.Equal(2, await db.Solutions.CountAsync(s => s.TaskId == task.TaskId && s.SolutionType == SolutionTypes.Final, Ct));
    }

    [Fact]
    public async Task Revision_of_the_whole_task_plans_it_again_and_keeps_the_first_plan()
    {
        using var api = await NewUser();
        var task = await RunAsync(api, "Revise everything", "Draft a weekly meal plan for a family of four.");
        AssertCompleted(task);

        await ReviseAsync(api, task.TaskId, new { revision_request = "Start over with a vegetarian plan instead.", priority = "high" });
        var done = await PlatformFixture.WaitForStatusAsync(api, task.TaskId, t => t.Status == TaskStatuses.Completed && t.CompletedAt > task.CompletedAt,
            PlatformFixture.TaskTimeout);
        AssertCompleted(done);

        await using var db = await platform.CreateDbContextAsync();
        Assert.Equal(2, await db.Interactions.CountAsync(i => i.TaskId == task.TaskId && i.InteractionType == InteractionTypes.TaskAnalysis, Ct));
        var subtaskIds = await db.Subtasks.Where(s => s.TaskId == task.TaskId).Select(s => s.SubtaskId).ToListAsync(Ct);
        Assert.Equal(task.Subtasks.Count + done.Subtasks.Count, subtaskIds.Count);
        Assert.Empty(done.Subtasks.Select(s => s.SubtaskId).Intersect(task.Subtasks.Select(s => s.SubtaskId)));
    }

    [Fact]
    public async Task Revising_a_task_that_is_not_completed_is_refused()
    {
        using var api = await NewUser();
        var created = await PlatformFixture.SubmitAsync(api, "Not done yet", "Write a slow essay about rivers. [[sim:latency=1000]]");
        var response = await api.PostAsJsonAsync($"/api/v1/tasks/{created.TaskId}/revise",
            new { revision_request = "Make it better please." }, JsonDefaults.Options, Ct);
        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        await api.DeleteAsync($"/api/v1/tasks/{created.TaskId}", Ct);
    }

    private static async Task<ReviseTaskResponse> ReviseAsync(HttpClient api, string taskId, object body)
    {
        var response = await api.PostAsJsonAsync($"/api/v1/tasks/{taskId}/revise", body, JsonDefaults.Options, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"revise answered {(int)response.StatusCode}: {text}");
        var revision = System.Text.Json.JsonSerializer.Deserialize<ReviseTaskResponse>(text, JsonDefaults.Options)!;
        Assert.Equal(TaskStatuses.RevisionPending, revision.Status);
        Assert.StartsWith(Ids.RevisionPrefix, revision.RevisionId);
        return revision;
    }
}
