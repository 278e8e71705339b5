using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using MultiAgent.Contracts;
using MultiAgent.Contracts.Api;
using MultiAgent.Orchestrator.Agents;
using MultiAgent.Tests.EndToEnd;
using MultiAgent.Tests.Scenarios;
using MultiAgent.Tests.Workflow;

namespace MultiAgent.Tests.Browser;

/// <summary>
/// The task page in a real browser: the graph fills live, a node opens its outputs and reviews, a revision shows its diff, a
/// cancelled task shows where it stopped. On the scripted platform, so each test sets how slow and what its model answers.
/// </summary>
[Trait("Category", "AppHost")]
[Collection(ScriptedCollection.Name)]
public sealed class TaskPageTests(ScriptedPlatform platform, BrowserFixture browser) : BrowserTest(platform, browser)
{
    private const string WorkingNodes =
        ".graph-node[data-status=pending], .graph-node[data-status=assigned], .graph-node[data-status=in_progress], .graph-node[data-status=in_review]";

    [Fact]
    public async Task A_submitted_task_fills_the_graph_and_advances_the_stages_without_a_reload()
    {
        var title = $"Live graph {Guid.NewGuid():N}";
        var script = platform.Script(title);
        script.Dependencies = "chain";
        script.Latency = TimeSpan.FromMilliseconds(700);
        var page = await OpenPageAsync();
        var user = await SignUpAsync(page);

        await GotoInteractiveAsync(page, "/");
        await Assertions.Expect(page.Locator("[data-draft=ready]")).ToHaveCountAsync(1);
        await page.Locator("#title").FillAsync(title);
        await page.Locator("#description").FillAsync("Plan a small conference for two hundred people, with budget and risks.");
        await page.GetByRole(AriaRole.Button, new() { Name = "Submit task" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/tasks/task_"));
        var taskId = page.Url[(page.Url.LastIndexOf('/') + 1)..];
        // A reload would drop this mark.
        await page.EvaluateAsync("() => window.__sameDocument = true");

        // Nodes appear while the specialists are still at work, then all turn accepted, and the last stage is reached.
        await Assertions.Expect(page.Locator(WorkingNodes).First).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator(".timeline-current")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator(".task-graph .graph-node")).ToHaveCountAsync(3);
        await Assertions.Expect(page.Locator(".task-graph .graph-edge")).ToHaveCountAsync(2);
        await Assertions.Expect(page.Locator(".task-graph .graph-node[data-status=completed]")).ToHaveCountAsync(3, new() { Timeout = 60_000 });
        await Assertions.Expect(page.Locator(".timeline-done")).ToHaveCountAsync(9, new() { Timeout = 30_000 });
        await Assertions.Expect(page.Locator(".answer-card .markdown")).ToBeVisibleAsync();
        Assert.True(await page.EvaluateAsync<bool>("() => window.__sameDocument === true"), "The task page was reloaded.");

        // What the graph shows is what the Api says.
        using var api = Platform.CreateClient((await Platform.SignInAsync(user.Email, user.Password)).AccessToken);
        var task = (await api.GetFromJsonAsync<TaskDetails>($"/api/v1/tasks/{taskId}", JsonDefaults.Options, Ct))!;
        Assert.Equal(TaskStatus.Completed, task.Status);
        foreach (var subtask in task.Subtasks)
        {
            var node = page.Locator($".graph-node[data-subtask-id='{subtask.SubtaskId}']");
            await Assertions.Expect(node).ToHaveAttributeAsync("aria-label", new Regex(Regex.Escape(subtask.Title) + ".*" + "completed.*1 version"));
        }
        // Usage by agent and by model comes from the gateway's ledger.
        await Assertions.Expect(page.Locator(".usage-by-model tbody tr")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator(".usage-by-model")).ToContainTextAsync($"{ScriptedPlatform.Provider}/{ScriptedPlatform.Model}");
        await Assertions.Expect(page.Locator(".usage-by-agent")).ToContainTextAsync("Manager");
        // The usage totals are the ledger's, as the breakdown is.
        var usage = (await api.GetFromJsonAsync<TaskUsageReport>($"/api/v1/tasks/{taskId}/usage", JsonDefaults.Options, Ct))!;
        Assert.True(usage.Totals.CostUsd > 0);
        await Assertions.Expect(page.Locator(".stats")).ToContainTextAsync(MultiAgent.Web.Components.Shared.Display.Usd(usage.Totals.CostUsd));
        await DocScreenshotAsync(page, "task-page");
        await DocScreenshotAsync(page.Locator(".graph-card"), "task-graph");

        // The task list shows what the task cost, as the Api lists it.
        var listed = (await api.GetFromJsonAsync<TaskListResponse>("/api/v1/tasks", JsonDefaults.Options, Ct))!.Tasks.Single(t => t.TaskId == taskId);
        await GotoInteractiveAsync(page, "/tasks");
        var row = page.Locator(".table-tasks tbody tr").Filter(new() { HasText = title });
        await Assertions.Expect(row.Locator("td.cell-cost")).ToHaveTextAsync(MultiAgent.Web.Components.Shared.Display.Usd(listed.CostUsd!.Value));
        Assert.True(listed.CostUsd > 0);
    }

    [Fact]
    public async Task A_node_opens_its_full_output_every_version_with_the_managers_review_and_their_diff()
    {
        var owner = await Platform.RegisterUserAsync();
        using var api = Platform.CreateClient(owner.Tokens.AccessToken);
        var title = $"Node details {Guid.NewGuid():N}";
        // Every first version is sent back (6/10), every second accepted (8/10); solutions are long Markdown.
        platform.Script(title)
            .On(call => call.Material.Contains("Solution version 1") ? Defaults.Review(6) : null)
            .On(TaskHistoryTests.LongSolution);
        var created = await PlatformFixture.SubmitAsync(api, title, "Compare three note-taking apps for a research group.");
        var task = await PlatformFixture.WaitForStatusAsync(api, created.TaskId, t => t.Status.IsTerminal(), PlatformFixture.TaskTimeout);
        Assert.Equal(TaskStatus.Completed, task.Status);
        var subtask = task.Subtasks[0];

        var page = await OpenPageAsync();
        await SignInAsync(page, owner.Email, owner.Password);
        await GotoInteractiveAsync(page, $"/tasks/{task.TaskId}");
        var node = page.Locator($".graph-node[data-subtask-id='{subtask.SubtaskId}']");
        await Assertions.Expect(node).ToContainTextAsync("v2 · 8.0");
        await node.ClickAsync();

        var panel = page.Locator("#subtask-panel");
        await Assertions.Expect(panel.Locator(".panel-head h2")).ToHaveTextAsync(subtask.Title);
        await Assertions.Expect(panel.Locator(".subtask-description")).ToHaveTextAsync(subtask.Description);
        // The whole output, rendered as Markdown: the heading and the last sentence, which the task's preview cuts off.
        await Assertions.Expect(panel.Locator(".solution-output h2")).ToHaveTextAsync(new Regex("^Solution v2 by the "));
        await Assertions.Expect(panel.Locator(".solution-output")).ToContainTextAsync(TaskHistoryTests.LongSolutionEnd);
        await Assertions.Expect(panel.Locator(".solution-output strong").First).ToHaveTextAsync("Scope");
        await Assertions.Expect(panel.Locator(".review .score-weighted dd")).ToHaveTextAsync("8.0");
        await Assertions.Expect(panel.Locator(".review")).ToContainTextAsync("Good work.");

        // The first version, with the review that sent it back.
        await panel.GetByRole(AriaRole.Tab, new() { Name = "v1" }).ClickAsync();
        await Assertions.Expect(panel.Locator(".version")).ToHaveAttributeAsync("data-version", "1");
        await Assertions.Expect(panel.Locator(".review .scores")).ToContainTextAsync("Completeness6.0");
        await Assertions.Expect(panel.Locator(".review .score-weighted dd")).ToHaveTextAsync("6.0");
        await Assertions.Expect(panel.Locator(".review")).ToContainTextAsync("Needs more depth.");
        await Assertions.Expect(panel.Locator(".review")).ToContainTextAsync("Add evidence for every claim");
        await Assertions.Expect(panel.Locator(".solution-output h2")).ToHaveTextAsync(new Regex("^Solution v1 by the "));

        // The diff from v1 to v2: the heading line changed, word by word.
        var diff = panel.Locator(".diff");
        await Assertions.Expect(diff.Locator("thead")).ToContainTextAsync("v1v2");
        await Assertions.Expect(diff.Locator(".diff-modified del").First).ToHaveTextAsync("v1");
        await Assertions.Expect(diff.Locator(".diff-modified ins").First).ToHaveTextAsync("v2");
        await Assertions.Expect(diff.Locator(".diff-summary")).ToContainTextAsync("1 changed");
        await DocScreenshotAsync(panel, "subtask-versions-diff");
    }

    [Fact]
    public async Task A_final_answer_revision_keeps_the_previous_answer_visible_then_shows_both_versions_and_their_diff()
    {
        var owner = await Platform.RegisterUserAsync();
        using var api = Platform.CreateClient(owner.Tokens.AccessToken);
        var title = $"Answer revision {Guid.NewGuid():N}";
        var script = platform.Script(title).On(call => call.Material.Contains("plainer words")
            ? new SynthesisAnswer("A plainer summary for a homeowner.", [new ReportSection("Analysis", "Short and plain.")], ["An insight"],
                ["A recommendation"], [], ["A limitation"], 0.9)
            : null);
        var created = await PlatformFixture.SubmitAsync(api, title, "Explain how a heat pump works to a homeowner.");
        var task = await PlatformFixture.WaitForStatusAsync(api, created.TaskId, t => t.Status == TaskStatus.Completed, PlatformFixture.TaskTimeout);

        var page = await OpenPageAsync();
        await page.Context.GrantPermissionsAsync(["clipboard-read", "clipboard-write"]);
        await SignInAsync(page, owner.Email, owner.Password);
        await GotoInteractiveAsync(page, $"/tasks/{task.TaskId}");
        await Assertions.Expect(page.Locator(".answer-card > .card-head h2")).ToHaveTextAsync("Answer (v1)");

        // Copy and download give the answer's Markdown exactly.
        await page.GetByRole(AriaRole.Button, new() { Name = "Copy answer" }).ClickAsync();
        await Assertions.Expect(page.Locator(".answer-actions [role=status]")).ToHaveTextAsync("Copied to the clipboard.");
        Assert.Equal(task.Result!.FinalAnswer, await page.EvaluateAsync<string>("() => navigator.clipboard.readText()"));
        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByRole(AriaRole.Link, new() { Name = "Download .md" }).ClickAsync());
        Assert.EndsWith(".md", download.SuggestedFilename);
        Assert.Equal(task.Result.FinalAnswer, await File.ReadAllTextAsync((await download.PathAsync())!, Ct));

        // The revision's calls are slow, so the page is seen while it runs.
        script.Latency = TimeSpan.FromMilliseconds(1500);
        await Assertions.Expect(page.GetByLabel("Final answer only")).ToBeCheckedAsync();
        await page.Locator("#revision-request").FillAsync("Say it again in plainer words, please.");
        await page.GetByRole(AriaRole.Button, new() { Name = "Request revision" }).ClickAsync();

        await Assertions.Expect(page.Locator(".revision-notice")).ToContainTextAsync("Revision in progress");
        await Assertions.Expect(page.Locator(".answer-previous > .card-head h2")).ToHaveTextAsync("Previous answer (v1)");
        await Assertions.Expect(page.Locator(".answer-previous .markdown")).ToContainTextAsync("The executive summary.");
        await Assertions.Expect(page.Locator(".task-meta")).Not.ToContainTextAsync("Finished");

        // Done: the notice goes, the new answer is v2, the history says what the manager redid, and the diff shows both.
        await Assertions.Expect(page.Locator(".answer-card > .card-head h2")).ToHaveTextAsync("Answer (v2)", new() { Timeout = 60_000 });
        await Assertions.Expect(page.Locator(".revision-notice")).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator(".answer-previous")).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator(".answer-card .markdown")).ToContainTextAsync("A plainer summary for a homeowner.");
        var revision = page.Locator(".revision-list .revision");
        await Assertions.Expect(revision).ToHaveCountAsync(1);
        await Assertions.Expect(revision).ToContainTextAsync("Completed");
        await Assertions.Expect(revision).ToContainTextAsync("answer v2");
        await Assertions.Expect(revision).ToContainTextAsync("final answer");
        var diff = page.Locator(".answer-compare .diff");
        await Assertions.Expect(diff.Locator("thead")).ToContainTextAsync("Answer v1Answer v2");
        await Assertions.Expect(diff.Locator("td.diff-deleted, td.diff-modified").First).ToContainTextAsync("The executive summary.");
        await Assertions.Expect(diff.Locator("td.diff-inserted, td.diff-modified").Filter(new() { HasText = "A plainer summary" })).ToHaveCountAsync(1);
        await DocScreenshotAsync(page.Locator(".revision-card"), "answer-versions-diff");
    }

    [Fact]
    public async Task Subtasks_chosen_in_the_graph_are_sent_as_the_revision_scope_and_the_history_names_them()
    {
        var owner = await Platform.RegisterUserAsync();
        using var api = Platform.CreateClient(owner.Tokens.AccessToken);
        var title = $"Graph revision {Guid.NewGuid():N}";
        platform.Script(title);
        var created = await PlatformFixture.SubmitAsync(api, title, "Plan a product launch for a small bakery.");
        var task = await PlatformFixture.WaitForStatusAsync(api, created.TaskId, t => t.Status == TaskStatus.Completed, PlatformFixture.TaskTimeout);
        var chosen = task.Subtasks.OrderBy(s => s.Phase).Last();

        var page = await OpenPageAsync();
        await SignInAsync(page, owner.Email, owner.Password);
        await GotoInteractiveAsync(page, $"/tasks/{task.TaskId}");

        // Submit stays off until a subtask is picked in the graph.
        await page.GetByLabel("Chosen subtasks").CheckAsync();
        await Assertions.Expect(page.Locator(".chosen-subtasks")).ToContainTextAsync("Click the subtasks to redo in the graph above.");
        await page.Locator("#revision-request").FillAsync("Use this year's figures, please.");
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Request revision" })).ToBeDisabledAsync();
        var node = page.Locator($".graph-node[data-subtask-id='{chosen.SubtaskId}']");
        await node.ClickAsync();
        await Assertions.Expect(node).ToHaveAttributeAsync("aria-pressed", "true");
        await Assertions.Expect(page.Locator(".chosen-subtasks")).ToContainTextAsync(chosen.Title);
        await page.GetByRole(AriaRole.Button, new() { Name = "Request revision" }).ClickAsync();

        await PlatformFixture.WaitForStatusAsync(api, created.TaskId,
            t => t.Status == TaskStatus.Completed && t.CompletedAt > task.CompletedAt, PlatformFixture.TaskTimeout);
        var revision = page.Locator(".revision-list .revision");
        await Assertions.Expect(revision).ToContainTextAsync("Completed", new() { Timeout = 30_000 });
        await Assertions.Expect(revision).ToContainTextAsync($"Asked for: these subtasks: {chosen.Title}");
        var stored = Assert.Single((await api.GetFromJsonAsync<TaskRevisionsResponse>($"/api/v1/tasks/{created.TaskId}/revisions", JsonDefaults.Options, Ct))!.Revisions);
        Assert.Equal(RevisionScopes.Subtasks, stored.RequestedScope);
        Assert.Equal([chosen.SubtaskId], stored.SubtaskIds);
        Assert.Equal("Use this year's figures, please.", stored.RevisionRequest);
    }

    [Fact]
    public async Task A_cancelled_task_shows_the_stage_time_reason_and_subtask_states_where_it_stopped()
    {
        var owner = await Platform.RegisterUserAsync();
        using var api = Platform.CreateClient(owner.Tokens.AccessToken);
        var title = $"Cancel on the page {Guid.NewGuid():N}";
        var script = platform.Script(title);
        script.Dependencies = "chain";
        script.Latency = TimeSpan.FromMilliseconds(2500);
        var created = await PlatformFixture.SubmitAsync(api, title, "Write a detailed competitive analysis of regional bakeries.");

        // A viewer in India (UTC+05:30 all year): times on the page are in their time zone.
        var page = await OpenPageAsync(timeZone: "Asia/Kolkata");
        await SignInAsync(page, owner.Email, owner.Password);
        await GotoInteractiveAsync(page, $"/tasks/{created.TaskId}");
        await Assertions.Expect(page.Locator(".graph-node[data-status=in_progress]").First).ToBeVisibleAsync(new() { Timeout = 60_000 });
        await page.GetByRole(AriaRole.Button, new() { Name = "Cancel task" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Yes, cancel it" }).ClickAsync();

        var task = await PlatformFixture.WaitForStatusAsync(api, created.TaskId, t => t.Status == TaskStatus.Cancelled, TimeSpan.FromSeconds(30));
        // Cancelled while a specialist worked: in execution, or in the review of a subtask done just before.
        var stage = task.StoppedAtStage!.Value;
        Assert.Contains(stage, new[] { TaskStage.SpecialistExecution, TaskStage.ManagerReview });
        var notice = page.Locator(".stopped-notice");
        await Assertions.Expect(notice).ToContainTextAsync($"Cancelled during {MultiAgent.Web.Components.Shared.Display.Humanize(stage).ToLowerInvariant()}");
        await Assertions.Expect(notice).ToContainTextAsync(
            task.CompletedAt!.Value.ToOffset(TimeSpan.FromHours(5.5)).ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture) + " UTC+05:30");
        var firstActivity = page.Locator(".activity-time").First;
        await Assertions.Expect(firstActivity).ToHaveAttributeAsync("title", new Regex(@"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\+05:30$"));
        await Assertions.Expect(notice).ToContainTextAsync(task.Error!);
        await Assertions.Expect(page.Locator(".timeline-stopped")).ToContainTextAsync(stage == TaskStage.SpecialistExecution ? "Specialist execution" : "Manager review");
        await Assertions.Expect(page.Locator(".timeline-done")).ToHaveCountAsync(stage == TaskStage.SpecialistExecution ? 3 : 4);

        // Each node keeps the state the Api has for it, and the work the cancel cut off is marked, not greyed out.
        await Assertions.Expect(page.Locator(".task-graph .graph-node")).ToHaveCountAsync(task.Subtasks.Count);
        foreach (var subtask in task.Subtasks)
        {
            await Assertions.Expect(page.Locator($".graph-node[data-subtask-id='{subtask.SubtaskId}']"))
                .ToHaveAttributeAsync("data-status", EnumNames<SubtaskStatus>.Name(subtask.Status));
        }
        Assert.Contains(task.Subtasks, s => s.Status != SubtaskStatus.Pending);
        await Assertions.Expect(page.Locator(".graph-node.node-muted")).ToHaveCountAsync(0);
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Cancel task" })).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task The_task_list_shows_a_task_submitted_elsewhere_and_follows_it_to_completed_from_live_events()
    {
        var owner = await Platform.RegisterUserAsync();
        using var api = Platform.CreateClient(owner.Tokens.AccessToken);
        var page = await OpenPageAsync();
        await SignInAsync(page, owner.Email, owner.Password);
        await GotoInteractiveAsync(page, "/tasks");
        // While the list is live it never polls, so everything below arrives as hub events.
        await Assertions.Expect(page.Locator(".page-header-live[data-live=Live]")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator(".table-tasks tbody tr")).ToHaveCountAsync(0);
        await page.EvaluateAsync("() => window.__sameDocument = true");

        var title = $"Listed live {Guid.NewGuid():N}";
        var script = platform.Script(title);
        script.Latency = TimeSpan.FromMilliseconds(1500);
        var created = await PlatformFixture.SubmitAsync(api, title, "Compare three ways to cache the pages of a small news site.");

        var row = page.Locator(".table-tasks tbody tr", new() { HasText = title });
        await Assertions.Expect(row).ToHaveCountAsync(1);
        await Assertions.Expect(row.Locator(".status-badge")).Not.ToHaveTextAsync("Completed");
        await Assertions.Expect(row.Locator("[data-label=Stage]")).ToHaveTextAsync("Specialist execution", new() { Timeout = 60_000 });
        await Assertions.Expect(row.Locator(".status-badge")).ToHaveTextAsync("Completed", new() { Timeout = 90_000 });

        // The row ends where the Api is: status and progress; the finished task's cost is read once it ends.
        var listed = (await api.GetFromJsonAsync<TaskListResponse>("/api/v1/tasks", JsonDefaults.Options, Ct))!.Tasks.Single(t => t.TaskId == created.TaskId);
        Assert.Equal(TaskStatus.Completed, listed.Status);
        await Assertions.Expect(row.Locator(".cell-progress")).ToContainTextAsync($"{listed.Progress}%");
        await Assertions.Expect(row.Locator(".cell-cost")).ToHaveTextAsync(new Regex(@"^\$\d"));
        Assert.True(await page.EvaluateAsync<bool>("() => window.__sameDocument === true"), "The task list was reloaded.");
    }

    [Fact]
    public async Task On_a_phone_the_task_page_with_a_node_open_does_not_scroll_sideways()
    {
        var owner = await Platform.RegisterUserAsync();
        using var api = Platform.CreateClient(owner.Tokens.AccessToken);
        var title = $"Phone task page with a rather long title that has to wrap {Guid.NewGuid():N}";
        var script = platform.Script(title).On(call => call.Material.Contains("Solution version 1") ? Defaults.Review(6) : null);
        script.Dependencies = "chain";
        script.Subtasks = 4;
        var created = await PlatformFixture.SubmitAsync(api, title, "Plan a week of meals for a family of four on a budget.");
        await PlatformFixture.WaitForStatusAsync(api, created.TaskId, t => t.Status == TaskStatus.Completed, PlatformFixture.TaskTimeout);

        var page = await OpenPageAsync(Phone);
        await SignInAsync(page, owner.Email, owner.Password);
        await GotoInteractiveAsync(page, $"/tasks/{created.TaskId}");
        await Assertions.Expect(page.Locator(".answer-card .markdown")).ToBeVisibleAsync();
        Assert.True(await HorizontalOverflowAsync(page) <= 0, $"The task page scrolls sideways by {await HorizontalOverflowAsync(page)} px.");

        // The graph is wider than the phone: it scrolls inside its card, and its nodes can still be opened.
        await page.Locator(".graph-node").Last.ScrollIntoViewIfNeededAsync();
        await page.Locator(".graph-node").Last.ClickAsync();
        await Assertions.Expect(page.Locator("#subtask-panel .diff")).ToBeVisibleAsync();
        Assert.True(await HorizontalOverflowAsync(page) <= 0, $"With a subtask open the page scrolls sideways by {await HorizontalOverflowAsync(page)} px.");
    }

}
