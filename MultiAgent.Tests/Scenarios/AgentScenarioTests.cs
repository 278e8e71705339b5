using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using MultiAgent.Contracts;
using MultiAgent.Contracts.Api;
using MultiAgent.Orchestrator.Agents;
using MultiAgent.Tests.EndToEnd;
using MultiAgent.Tests.Workflow;

namespace MultiAgent.Tests.Scenarios;

/// <summary>
/// Each path of the agents' logic, driven through the Api on the real platform, its model answering through the AiGateway
/// from the test's script (<see cref="ScriptedPlatform"/>): the rules under test (rubric, reassignment, graph validation,
/// repair, partial completion, retries) are the Orchestrator's, the wire is the gateway's.
/// </summary>
[Collection(ScriptedCollection.Name)]
[Trait("Category", "AppHost")]
public class AgentScenarioTests(ScriptedPlatform platform)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private Task<HttpClient> NewUser() => platform.CreateUserClientAsync();

    /// <summary>Submits a task with a title of its own (scripts are found by title) and waits for its end.</summary>
    private async Task<TaskDetails> RunAsync(HttpClient api, string title, string description, Action<TaskScript>? script = null)
    {
        title = $"{title} {Guid.NewGuid():N}"[..(title.Length + 9)];
        script?.Invoke(platform.Script(title));
        var created = await PlatformFixture.SubmitAsync(api, title, description);
        return await PlatformFixture.WaitForStatusAsync(api, created.TaskId, t => t.Status.IsTerminal(), PlatformFixture.TaskTimeout);
    }

    private static Func<ModelCall, SolutionReviewAnswer?> ReviewScore(double score, Func<ModelCall, bool>? when = null) =>
        call => when is null || when(call) ? Defaults.Review(score) : null;

    private static void AssertCompleted(TaskDetails task) =>
        Assert.True(task.Status == TaskStatus.Completed, $"Task ended {task.Status}: {task.Error}");

    [Fact]
    public async Task Chained_plan_runs_in_three_phases_each_after_the_one_it_depends_on()
    {
        using var api = await NewUser();
        var task = await RunAsync(api, "Three phase plan",
            "Research the market, then design the product, then price it.", script =>
            {
                script.Subtasks = 3;
                script.Dependencies = "chain";
            });

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
            "Build a small web shop: catalogue, cart and checkout.", script => script.On<DecompositionAnswer>(call =>
            {
                var plan = Defaults.Plan(call, 3, "none");
                return plan with { Subtasks = [plan.Subtasks[0], plan.Subtasks[1], plan.Subtasks[2] with { ParentSubtaskId = "st1" }] };
            }));

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
            "Compare three project management tools for a small team.",
            script => script.On(ReviewScore(6, call => call.Material.Contains("Solution version 1"))));

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
            Assert.Equal(AcceptanceStatus.Accepted, subtask.AcceptanceStatus);
        }

        var reviews = await db.Interactions.Where(i => i.TaskId == task.TaskId && i.InteractionType == InteractionTypes.SolutionReview).ToListAsync(Ct);
        Assert.Equal(2 * task.Subtasks.Count, reviews.Count);
        Assert.Contains(reviews, r => r.Description!.Contains("6.00/10, needs revision"));
    }

    [Fact]
    public async Task Rejected_solution_is_reassigned_to_a_different_specialist()
    {
        using var api = await NewUser();
        var task = await RunAsync(api, "Reassign after rejection",
            "Plan a data migration from a legacy CRM to a new one.",
            script => script.On(ReviewScore(2, call => call.Material.Contains("Solution version 1"))));

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
            "Write a launch plan and a budget for a food truck.", script =>
            {
                script.Subtasks = 2;
                script.On(ReviewScore(6, call => call.Material.Contains("Subtask st1:")));
            });

        AssertCompleted(task);
        var failed = Assert.Single(task.Subtasks, s => s.Status == SubtaskStatus.Failed);
        Assert.Equal(3, failed.Versions);
        Assert.Single(task.Subtasks, s => s.Status == SubtaskStatus.Completed);

        var result = await api.GetFromJsonAsync<TaskResultResponse>($"/api/v1/tasks/{task.TaskId}/result", JsonDefaults.Options, Ct);
        Assert.True(result!.Result!.PartialCompletion);
        Assert.Contains("Partial completion", result.Result.FinalAnswer);
        Assert.Contains(failed.Title, result.Result.FinalAnswer);
    }

    [Fact]
    public async Task Every_solution_exhausting_its_revisions_fails_the_task_with_a_reason()
    {
        using var api = await NewUser();
        var task = await RunAsync(api, "Nothing usable", "Summarise the history of tea in one page.", script => script.On(ReviewScore(5.5)));

        Assert.Equal(TaskStatus.Failed, task.Status);
        Assert.Contains("No subtask produced an acceptable solution", task.Error);
        Assert.All(task.Subtasks, s => Assert.Equal(SubtaskStatus.Failed, s.Status));
    }

    [Fact]
    public async Task Final_answer_rejected_once_is_synthesised_again_then_approved()
    {
        using var api = await NewUser();
        var task = await RunAsync(api, "Final review loop",
            "Explain how a heat pump works to a homeowner.", script => script.On<FinalReviewAnswer>(call =>
                platform.Script(call.TaskId).Calls.Count(c => c.Step == nameof(FinalReviewAnswer)) > 1
                    ? null
                    : new FinalReviewAnswer(false, 5, "Too technical for a homeowner.", ["Explain the terms"])));

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
            "Organise a neighbourhood clean-up day.", script => script.On<DecompositionAnswer>(call =>
            {
                var plan = Defaults.Plan(call, 3, "none");
                // The first plan is circular (st1 → st3 → st1); once told why, the manager fixes it.
                return call.Material.Contains("could not be used")
                    ? plan
                    : plan with { Subtasks = [plan.Subtasks[0] with { Dependencies = ["st3"] }, plan.Subtasks[1], plan.Subtasks[2] with { Dependencies = ["st1"] }] };
            }));

        AssertCompleted(task);
        Assert.Equal(3, task.Subtasks.Count);
        // analysis + selection + decomposition twice (the cyclic plan, then the repaired one) + one review per subtask + final review
        var expected = 1 + 1 + 2 + task.Subtasks.Count + 1;
        // The ledger is written off the request path: wait for every call (manager's and the others': 7 + 2 per subtask).
        var managerCalls = (await platform.ModelCallsAsync(task.TaskId, atLeast: 7 + 2 * task.Subtasks.Count)).Count(u => u.AgentId == "agent_manager");
        Assert.Equal(expected, managerCalls);
    }

    [Fact]
    public async Task Malformed_model_output_is_re_asked_and_repaired()
    {
        using var api = await NewUser();
        var task = await RunAsync(api, "Malformed once",
            "List the pros and cons of remote work.",
            script => script.RawEverywhere(call => call.Material.Contains("could not be used") ? null : "{\"not\": \"closed\""));

        AssertCompleted(task);
        var calls = (await platform.ModelCallsAsync(task.TaskId, atLeast: 2 * (6 + 2 * task.Subtasks.Count))).Count;
        // Every step answered twice: once malformed, once repaired.
        Assert.True(calls % 2 == 0 && calls >= 2 * (6 + 2 * task.Subtasks.Count), $"unexpected number of model calls: {calls}");
    }

    [Fact]
    public async Task Persistently_malformed_output_fails_the_task_with_the_reason()
    {
        using var api = await NewUser();
        var task = await RunAsync(api, "Always malformed", "Describe the rules of chess briefly.",
            script => script.RawEverywhere(_ => "{\"not\": \"closed\""));

        Assert.Equal(TaskStatus.Failed, task.Status);
        Assert.Contains("Task analysis failed", task.Error);
        Assert.Contains("no usable answer after 3 attempts", task.Error);

        await using var db = await platform.CreateDbContextAsync();
        Assert.Equal("Failed", (await db.TaskWorkflows.SingleAsync(w => w.TaskId == task.TaskId, Ct)).CurrentState);
        Assert.Equal(3, (await platform.ModelCallsAsync(task.TaskId, atLeast: 3)).Count);
    }

    [Fact]
    public async Task Model_that_stays_unavailable_is_retried_with_backoff_then_the_task_fails_with_the_error()
    {
        using var api = await NewUser();
        var started = DateTime.UtcNow;
        var task = await RunAsync(api, "Provider down", "Compare two cloud providers for a startup.", script => script.FailWith = _ => 503);

        Assert.Equal(TaskStatus.Failed, task.Status);
        Assert.Contains("Task analysis failed", task.Error);
        Assert.Contains("after 5 retries", task.Error);
        Assert.Contains("AI gateway answered HTTP", task.Error);
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
        var done = await PlatformFixture.WaitForStatusAsync(api, task.TaskId, t => t.Status == TaskStatus.Completed && t.CompletedAt > task.CompletedAt,
            PlatformFixture.TaskTimeout);
        AssertCompleted(done);

        await using var db = await platform.CreateDbContextAsync();
        var finals = await db.Solutions.Where(s => s.TaskId == task.TaskId && s.SolutionType == SolutionTypes.Final).ToListAsync(Ct);
        Assert.Equal(2, finals.Count);
        Assert.Equal(2, await db.Solutions.CountAsync(s => s.TaskId == task.TaskId && s.SolutionType == SolutionTypes.Synthesis, Ct));
        // Nothing upstream of the synthesis ran again.
        Assert.All(await db.Solutions.Where(s => s.TaskId == task.TaskId && s.SolutionType == SolutionTypes.Subtask).ToListAsync(Ct),
            s => Assert.Equal(1, s.Version));
        Assert.Equal(RevisionStatus.Completed, (await db.Revisions.SingleAsync(r => r.RevisionId == revision.RevisionId, Ct)).Status);
    }

    [Fact]
    public async Task Revision_of_specific_subtasks_executes_them_again_with_new_versions()
    {
        using var api = await NewUser();
        var task = await RunAsync(api, "Revise a subtask",
            "Prepare an onboarding guide for new engineers.", script => script.Subtasks = 2);
        AssertCompleted(task);
        var target = task.Subtasks[0];

        await ReviseAsync(api, task.TaskId, new { revision_request = "Go deeper on this part.", specific_areas = new[] { target.Title } });
        var done = await PlatformFixture.WaitForStatusAsync(api, task.TaskId, t => t.Status == TaskStatus.Completed && t.CompletedAt > task.CompletedAt,
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
        var done = await PlatformFixture.WaitForStatusAsync(api, task.TaskId, t => t.Status == TaskStatus.Completed && t.CompletedAt > task.CompletedAt,
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
        var title = $"Not done yet {Guid.NewGuid():N}";
        platform.Script(title).Latency = TimeSpan.FromSeconds(1);
        var created = await PlatformFixture.SubmitAsync(api, title, "Write a slow essay about rivers.");
        var response = await api.PostAsJsonAsync($"/api/v1/tasks/{created.TaskId}/revise",
            new { revision_request = "Make it better please." }, JsonDefaults.Options, Ct);
        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        await api.DeleteAsync($"/api/v1/tasks/{created.TaskId}", Ct);
    }

    [Fact]
    public async Task A_task_that_reaches_its_budget_fails_saying_budget_exceeded_with_the_spend()
    {
        using var api = await NewUser();
        var title = $"Small budget {Guid.NewGuid():N}";
        // The scripted model costs $100 per million tokens: a call may cost up to about $0.26 (its max_tokens), so the gateway
        // lets the first few calls through and refuses the one that could take the task past half a dollar.
        var response = await api.PostAsJsonAsync("/api/v1/tasks",
            new { title, description = "Write a thorough market study of electric bicycles in Europe.", budget_usd = 0.5m }, JsonDefaults.Options, Ct);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var created = (await response.Content.ReadFromJsonAsync<TaskCreatedResponse>(JsonDefaults.Options, Ct))!;

        var task = await PlatformFixture.WaitForStatusAsync(api, created.TaskId, t => t.Status.IsTerminal(), PlatformFixture.TaskTimeout);
        Assert.Equal(TaskStatus.Failed, task.Status);
        Assert.Equal(0.5m, task.BudgetUsd);
        Assert.Contains("budget exceeded", task.Error);
        Assert.Contains("0.5 USD", task.Error);
        // What was spent stayed within the budget.
        var usage = (await api.GetFromJsonAsync<TaskUsageReport>($"/api/v1/tasks/{created.TaskId}/usage", JsonDefaults.Options, Ct))!;
        Assert.InRange(usage.Totals.CostUsd, 0.0001m, 0.5m);
    }

    [Fact]
    public async Task A_budget_that_is_not_a_positive_amount_is_refused_per_field()
    {
        using var api = await NewUser();
        var response = await api.PostAsJsonAsync("/api/v1/tasks",
            new { title = "Bad budget", description = "A task with a budget that makes no sense at all.", budget_usd = -1 }, JsonDefaults.Options, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("budget_usd", await response.Content.ReadAsStringAsync(Ct));
    }

    private static async Task<ReviseTaskResponse> ReviseAsync(HttpClient api, string taskId, object body)
    {
        var response = await api.PostAsJsonAsync($"/api/v1/tasks/{taskId}/revise", body, JsonDefaults.Options, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"revise answered {(int)response.StatusCode}: {text}");
        var revision = System.Text.Json.JsonSerializer.Deserialize<ReviseTaskResponse>(text, JsonDefaults.Options)!;
        Assert.Equal(TaskStatus.RevisionPending, revision.Status);
        Assert.StartsWith(Ids.RevisionPrefix, revision.RevisionId);
        return revision;
    }
}
