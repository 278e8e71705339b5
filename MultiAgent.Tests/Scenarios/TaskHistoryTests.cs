using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using MultiAgent.Contracts;
using MultiAgent.Contracts.Api;
using MultiAgent.Orchestrator.Agents;
using MultiAgent.Tests.EndToEnd;
using MultiAgent.Tests.Workflow;

namespace MultiAgent.Tests.Scenarios;

/// <summary>
/// The reads behind the task page: a subtask's solution versions with the manager's reviews, the final answers and the
/// revisions, and the cost of listed tasks, on the real platform with its model scripted (it has a price, so costs are not zero).
/// </summary>
[Collection(ScriptedCollection.Name)]
[Trait("Category", "AppHost")]
public class TaskHistoryTests(ScriptedPlatform platform)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_subtask_lists_every_solution_version_with_the_managers_review_for_its_owner_only()
    {
        var owner = await platform.RegisterUserAsync();
        using var api = platform.CreateClient(owner.Tokens.AccessToken);
        var title = $"Versions and reviews {Guid.NewGuid():N}";
        // Every first version needs revision: each subtask has two versions, the first reviewed 6/10, the second 8/10. Solutions are
        // longer than the task's preview.
        platform.Script(title)
            .On(call => call.Material.Contains("Solution version 1") ? Defaults.Review(6) : null)
            .On(LongSolution);
        var created = await PlatformFixture.SubmitAsync(api, title, "Compare three project management tools for a small team.");
        var task = await PlatformFixture.WaitForStatusAsync(api, created.TaskId, t => t.Status.IsTerminal(), PlatformFixture.TaskTimeout);
        Assert.Equal(TaskStatus.Completed, task.Status);

        var subtask = task.Subtasks[0];
        var details = (await api.GetFromJsonAsync<SubtaskDetails>($"/api/v1/tasks/{task.TaskId}/subtasks/{subtask.SubtaskId}", JsonDefaults.Options, Ct))!;
        Assert.Equal(subtask.SubtaskId, details.Subtask.SubtaskId);
        Assert.Equal(subtask.Description, details.Subtask.Description);
        Assert.False(string.IsNullOrWhiteSpace(details.Deliverable));
        Assert.Equal([1, 2], details.Versions.Select(v => v.Version));
        Assert.Equal(2, details.Subtask.Versions);

        var (first, second) = (details.Versions[0], details.Versions[1]);
        Assert.False(first.IsAccepted);
        Assert.Equal(AcceptanceStatus.NeedsRevision, first.Review!.Decision);
        Assert.Equal(6, first.Review.Completeness);
        Assert.Equal(6, first.Review.WeightedScore);
        Assert.Equal("Needs more depth.", first.Review.Feedback);
        Assert.Equal(["Add evidence for every claim"], first.Review.RevisionRequests);
        Assert.True(second.IsAccepted);
        Assert.Equal(AcceptanceStatus.Accepted, second.Review!.Decision);
        Assert.Equal(8, second.Review.Quality);
        Assert.Equal(subtask.AgentType, second.AgentType);
        // The whole answer, not the task's 200-character preview.
        Assert.EndsWith(LongSolutionEnd, second.Content);
        Assert.StartsWith("## Solution v2 ", second.Content);
        Assert.StartsWith("## Solution v1 ", first.Content);
        Assert.DoesNotContain(LongSolutionEnd, subtask.ResultPreview);
        Assert.True(second.CreatedAt > first.CreatedAt);

        using var stranger = await platform.CreateUserClientAsync();
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.GetAsync($"/api/v1/tasks/{task.TaskId}/subtasks/{subtask.SubtaskId}", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.GetAsync($"/api/v1/tasks/{task.TaskId}/answers", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.GetAsync($"/api/v1/tasks/{task.TaskId}/revisions", Ct)).StatusCode);
        using var admin = await platform.CreateAdminClientAsync();
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync($"/api/v1/tasks/{task.TaskId}/subtasks/{subtask.SubtaskId}", Ct)).StatusCode);

        // An unknown subtask of a task the caller owns is a problem that says which and where to look.
        var missing = await api.GetAsync($"/api/v1/tasks/{task.TaskId}/subtasks/subtask_nope", Ct);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("application/problem+json", missing.Content.Headers.ContentType?.MediaType);
        var problem = (await missing.Content.ReadFromJsonAsync<JsonObject>(Ct))!;
        Assert.Equal("Subtask not found", problem["title"]!.GetValue<string>());
        Assert.Contains("subtask_nope", problem["detail"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.NotFound, (await api.GetAsync($"/api/v1/tasks/not-a-task/subtasks/{subtask.SubtaskId}", Ct)).StatusCode);
    }

    public const string LongSolutionEnd = "That is the end of the solution.";

    /// <summary>A specialist's answer in markdown, longer than a preview, its version and author in its first line.</summary>
    public static SpecialistAnswer LongSolution(ModelCall call)
    {
        var match = System.Text.RegularExpressions.Regex.Match(call.Material, @"This is version (\d+) of the solution");
        var version = match.Success ? match.Groups[1].Value : "1";
        var content = $"""
            ## Solution v{version} by the {call.AgentType} specialist

            The subtask is answered in three parts, each with the evidence it rests on and what it leaves open for the next phase.

            - **Scope**: what the subtask covers and what it deliberately leaves to the other specialists.
            - **Findings**: the facts gathered, with a note on how reliable each of them is.
            - **Next steps**: what the coordinator should take from this answer when it brings the parts together.

            {LongSolutionEnd}
            """;
        return new SpecialistAnswer(content, ["A first finding", "A second finding"], 0.8, ["Example Industry Report 2025"], "Reasoned from the material.");
    }

    [Fact]
    public async Task A_final_answer_revision_adds_an_answer_version_linked_to_its_revision()
    {
        using var api = await platform.CreateUserClientAsync();
        var title = $"Answer versions {Guid.NewGuid():N}";
        var created = await PlatformFixture.SubmitAsync(api, title, "Explain how a heat pump works to a homeowner.");
        await PlatformFixture.WaitForStatusAsync(api, created.TaskId, t => t.Status == TaskStatus.Completed, PlatformFixture.TaskTimeout);

        var before = (await api.GetFromJsonAsync<TaskAnswersResponse>($"/api/v1/tasks/{created.TaskId}/answers", JsonDefaults.Options, Ct))!;
        var original = Assert.Single(before.Answers);
        Assert.Equal(1, original.Version);
        Assert.Null(original.RevisionId);
        Assert.Empty((await api.GetFromJsonAsync<TaskRevisionsResponse>($"/api/v1/tasks/{created.TaskId}/revisions", JsonDefaults.Options, Ct))!.Revisions);

        var revise = await api.PostAsJsonAsync($"/api/v1/tasks/{created.TaskId}/revise",
            new { revision_request = "Make the summary shorter and plainer.", specific_areas = Array.Empty<string>() }, JsonDefaults.Options, Ct);
        Assert.Equal(HttpStatusCode.OK, revise.StatusCode);
        var revision = (await revise.Content.ReadFromJsonAsync<ReviseTaskResponse>(JsonDefaults.Options, Ct))!;
        var done = await PlatformFixture.WaitForStatusAsync(api, created.TaskId,
            t => t.Status.IsTerminal() && t.CompletedAt > original.CreatedAt, PlatformFixture.TaskTimeout);
        Assert.Equal(TaskStatus.Completed, done.Status);

        var answers = (await api.GetFromJsonAsync<TaskAnswersResponse>($"/api/v1/tasks/{created.TaskId}/answers", JsonDefaults.Options, Ct))!.Answers;
        Assert.Equal([1, 2], answers.Select(a => a.Version));
        Assert.Equal(original.SolutionId, answers[0].SolutionId);
        Assert.Equal(revision.RevisionId, answers[1].RevisionId);
        Assert.Equal(done.Result!.FinalAnswer, answers[1].FinalAnswer);
        Assert.False(string.IsNullOrWhiteSpace(answers[1].ReviewFeedback));

        var revisions = (await api.GetFromJsonAsync<TaskRevisionsResponse>($"/api/v1/tasks/{created.TaskId}/revisions", JsonDefaults.Options, Ct))!.Revisions;
        var stored = Assert.Single(revisions);
        Assert.Equal(revision.RevisionId, stored.RevisionId);
        Assert.Equal("Make the summary shorter and plainer.", stored.RevisionRequest);
        Assert.Equal(RevisionStatus.Completed, stored.Status);
        Assert.Equal(2, stored.AnswerVersion);
        Assert.Contains("final answer", stored.Scope);
        Assert.NotNull(stored.CompletedAt);
    }

    [Fact]
    public async Task A_revision_of_chosen_subtasks_redoes_them_and_what_depends_on_them_and_unknown_ids_change_nothing()
    {
        using var api = await platform.CreateUserClientAsync();
        var created = await PlatformFixture.SubmitAsync(api, $"Chosen subtasks {Guid.NewGuid():N}", "Plan a product launch for a small bakery.");
        var first = await PlatformFixture.WaitForStatusAsync(api, created.TaskId, t => t.Status == TaskStatus.Completed, PlatformFixture.TaskTimeout);
        Assert.All(first.Subtasks, s => Assert.Equal(1, s.Version));

        // An id that is not in the task's plan: a per-field error, no revision stored, the task untouched.
        var refused = await api.PostAsJsonAsync($"/api/v1/tasks/{created.TaskId}/revise",
            new { revision_request = "Use this year's figures.", scope = "subtasks", subtask_ids = new[] { "subtask_not_in_this_plan" } },
            JsonDefaults.Options, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        var problem = (await refused.Content.ReadFromJsonAsync<JsonObject>(Ct))!;
        Assert.Contains("subtask_not_in_this_plan", problem["errors"]!["subtask_ids"]![0]!.GetValue<string>());
        Assert.Empty((await api.GetFromJsonAsync<TaskRevisionsResponse>($"/api/v1/tasks/{created.TaskId}/revisions", JsonDefaults.Options, Ct))!.Revisions);
        Assert.Equal(TaskStatus.Completed, (await api.GetFromJsonAsync<TaskDetails>($"/api/v1/tasks/{created.TaskId}", JsonDefaults.Options, Ct))!.Status);

        // The first subtask of the plan: it and everything downstream of it are executed again, nothing else.
        var chosen = first.Subtasks.OrderBy(s => s.Phase).First();
        var redone = new HashSet<string> { chosen.SubtaskId };
        while (first.Subtasks.FirstOrDefault(s => !redone.Contains(s.SubtaskId) && s.Dependencies.Any(redone.Contains)) is { } downstream)
        {
            redone.Add(downstream.SubtaskId);
        }
        var revise = await api.PostAsJsonAsync($"/api/v1/tasks/{created.TaskId}/revise",
            new { revision_request = "Use this year's figures.", scope = "subtasks", subtask_ids = new[] { chosen.SubtaskId } }, JsonDefaults.Options, Ct);
        Assert.Equal(HttpStatusCode.OK, revise.StatusCode);
        var done = await PlatformFixture.WaitForStatusAsync(api, created.TaskId,
            t => t.Status.IsTerminal() && t.CompletedAt > first.CompletedAt, PlatformFixture.TaskTimeout);
        Assert.Equal(TaskStatus.Completed, done.Status);
        foreach (var subtask in done.Subtasks)
        {
            Assert.True(redone.Contains(subtask.SubtaskId) ? subtask.Version > 1 : subtask.Version == 1,
                $"{subtask.Title} ({subtask.SubtaskId}) is at version {subtask.Version}; redone were {string.Join(", ", redone)}.");
        }

        var stored = Assert.Single((await api.GetFromJsonAsync<TaskRevisionsResponse>($"/api/v1/tasks/{created.TaskId}/revisions", JsonDefaults.Options, Ct))!.Revisions);
        Assert.Equal(RevisionScopes.Subtasks, stored.RequestedScope);
        Assert.Equal([chosen.SubtaskId], stored.SubtaskIds);
        Assert.Contains(redone.Count == 1 ? "1 subtask" : $"{redone.Count} subtasks", stored.Scope);
    }

    [Fact]
    public async Task Listed_tasks_carry_their_cost_and_usage_reports_latency()
    {
        using var api = await platform.CreateUserClientAsync();
        var created = await PlatformFixture.SubmitAsync(api, $"Priced task {Guid.NewGuid():N}", "Outline a one-day workshop on accessibility.");
        var done = await PlatformFixture.WaitForStatusAsync(api, created.TaskId, t => t.Status.IsTerminal(), PlatformFixture.TaskTimeout);
        var calls = await platform.ModelCallsAsync(created.TaskId, atLeast: done.Usage.Calls);

        var usage = (await api.GetFromJsonAsync<TaskUsageReport>($"/api/v1/tasks/{created.TaskId}/usage", JsonDefaults.Options, Ct))!;
        Assert.True(usage.Totals.CostUsd > 0);
        Assert.Equal(calls.Sum(c => (long)c.LatencyMs), usage.Totals.LatencyMs);
        Assert.Equal(usage.Totals.LatencyMs, usage.ByAgent.Sum(a => a.Usage.LatencyMs));

        var list = (await api.GetFromJsonAsync<TaskListResponse>("/api/v1/tasks", JsonDefaults.Options, Ct))!;
        var listed = Assert.Single(list.Tasks);
        Assert.Equal(usage.Totals.CostUsd, listed.CostUsd);
        Assert.Equal(usage.Totals.TotalTokens, listed.TotalTokens);
    }
}
