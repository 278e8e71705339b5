using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using MultiAgent.Contracts;
using MultiAgent.Contracts.Api;
using MultiAgent.Tests.EndToEnd;
using MultiAgent.Web.Components.Shared;

namespace MultiAgent.Tests.Browser;

/// <summary>The agents page for everyone, its controls for admins, and the admin page's charts.</summary>
[Trait("Category", "AppHost")]
[Collection(PlatformCollection.Name)]
public sealed class AgentsAndAdminTests(PlatformFixture platform, BrowserFixture browser) : BrowserTest(platform, browser)
{
    private const string Agent = "agent_ux_designer";

    [Fact]
    public async Task The_agents_page_shows_every_agent_with_capabilities_model_and_live_counts()
    {
        using var admin = await Platform.CreateAdminClientAsync();
        var expected = (await admin.GetFromJsonAsync<AgentListResponse>("/api/v1/agents", JsonDefaults.Options, Ct))!.Agents;
        var types = (await admin.GetFromJsonAsync<AgentTypesResponse>("/api/v1/agents/types", JsonDefaults.Options, Ct))!.AgentTypes;

        var page = await OpenPageAsync();
        await SignUpAsync(page);
        await GotoInteractiveAsync(page, "/agents");

        await Assertions.Expect(page.Locator(".agent-card")).ToHaveCountAsync(expected.Count);
        await Assertions.Expect(page.GetByTestId("count-total")).ToHaveTextAsync(expected.Count.ToString());
        var developer = page.Locator("[data-agent=agent_developer]");
        await Assertions.Expect(developer.GetByRole(AriaRole.Heading)).ToHaveTextAsync("Developer");
        await Assertions.Expect(developer.GetByTestId("agent-model")).ToHaveTextAsync(expected.Single(a => a.AgentId == "agent_developer").Model);
        foreach (var capability in types.Single(t => t.Type == "developer").Capabilities)
        {
            await Assertions.Expect(developer.Locator(".chip", new() { HasText = Humanize(capability) })).ToHaveCountAsync(1);
        }
        await Assertions.Expect(developer.GetByTestId("agent-status")).ToHaveTextAsync(new Regex(@"^\s*(Idle|Busy)\s*$"));
        // Where its calls go, as the gateway resolves them.
        var route = types.Single(t => t.Type == "developer").Route;
        Assert.NotNull(route);
        await Assertions.Expect(developer.GetByTestId("agent-route")).ToHaveTextAsync(string.Join(" → ", route.Targets));

        // A user sees the agents, not the controls.
        await Assertions.Expect(page.Locator("fluent-switch")).ToHaveCountAsync(0);
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "Admin" })).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task An_admin_takes_an_agent_out_of_service_changes_its_model_and_returns_it()
    {
        using var api = await Platform.CreateAdminClientAsync();
        var original = (await api.GetFromJsonAsync<AgentListResponse>("/api/v1/agents", JsonDefaults.Options, Ct))!.Agents.Single(a => a.AgentId == Agent);
        try
        {
            var page = await OpenPageAsync();
            await SignInAsAdminAsync(page);
            await GotoInteractiveAsync(page, "/agents");
            var card = page.Locator($"[data-agent={Agent}]");

            // Fluent's <fluent-switch> keeps its state in the element (ElementInternals), not in attributes Playwright reads.
            var inService = card.Locator("fluent-switch");
            Assert.True(await inService.EvaluateAsync<bool>("e => e.checked"));
            await inService.ClickAsync();
            await Assertions.Expect(card.GetByTestId("agent-status")).ToHaveTextAsync(new Regex(@"^\s*Maintenance\s*$"));
            await Assertions.Expect(page.GetByTestId("count-maintenance")).ToHaveTextAsync("1");
            Assert.Equal("maintenance", await StatusOfAsync(api));
            await DocScreenshotAsync(page, "agents");

            await card.GetByRole(AriaRole.Button, new() { Name = "Model settings" }).ClickAsync();
            await card.Locator($"#model-{Agent}").FillAsync("gpt-4o-ui-test");
            await card.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
            await Assertions.Expect(card.GetByTestId("agent-model")).ToHaveTextAsync("gpt-4o-ui-test");

            Assert.False(await inService.EvaluateAsync<bool>("e => e.checked"));
            await inService.ClickAsync();
            await Assertions.Expect(card.GetByTestId("agent-status")).ToHaveTextAsync(new Regex(@"^\s*(Idle|Busy)\s*$"));
            Assert.NotEqual("maintenance", await StatusOfAsync(api));
            var changed = (await api.GetFromJsonAsync<AgentListResponse>("/api/v1/agents", JsonDefaults.Options, Ct))!.Agents.Single(a => a.AgentId == Agent);
            Assert.Equal("gpt-4o-ui-test", changed.Model);
        }
        finally
        {
            await api.PatchAsJsonAsync($"/api/v1/agents/{Agent}", new { status = "idle", model = original.Model }, JsonDefaults.Options, CancellationToken.None);
        }
    }

    [Fact]
    public async Task The_admin_page_draws_the_metrics_as_charts()
    {
        // At least one finished task, so every chart has something to draw.
        using var user = await Platform.CreateUserClientAsync();
        var created = await PlatformFixture.SubmitAsync(user, "A task for the admin charts", "Summarise the benefits of code review for a small team.");
        await PlatformFixture.WaitForStatusAsync(user, created.TaskId, t => !Display.IsRunning(t.Status), PlatformFixture.TaskTimeout);
        using var admin = await Platform.CreateAdminClientAsync();
        var metrics = (await admin.GetFromJsonAsync<MetricsResponse>("/api/v1/metrics", JsonDefaults.Options, Ct))!;

        var page = await OpenPageAsync();
        await SignInAsAdminAsync(page);
        await page.GetByRole(AriaRole.Link, new() { Name = "Admin" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/admin$"));

        var byStatus = page.Locator("section[aria-labelledby=tasks-by-status]");
        await Assertions.Expect(byStatus.Locator(".bar-row")).ToHaveCountAsync(5);
        var completedBar = byStatus.Locator(".bar-row[data-label=Completed]");
        Assert.True(int.Parse(await completedBar.Locator(".bar-value").InnerTextAsync()) >= metrics.Tasks.Completed);
        Assert.NotEqual("0%", await completedBar.Locator(".bar-fill").EvaluateAsync<string>("e => e.style.width"));
        await Assertions.Expect(page.Locator("section[aria-labelledby=success-rate] .donut-slice").First).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByTestId("success-rate-figure")).ToHaveTextAsync(new Regex(@"^\d+%$"));
        await Assertions.Expect(page.Locator("section[aria-labelledby=completion-time] .column")).ToHaveCountAsync(6);
        await Assertions.Expect(page.Locator("section[aria-labelledby=completed-over-time] polyline")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("section[aria-labelledby=tokens-by-model]")).ToContainTextAsync("AI gateway");
        await DocScreenshotAsync(page, "admin-charts");
    }

    [Fact]
    public async Task A_user_is_refused_the_admin_page()
    {
        var page = await OpenPageAsync();
        await SignUpAsync(page);

        // A plain request (the cookie scheme's 403) and a click inside the app (the router) say the same.
        var response = await page.GotoAsync("/admin");
        Assert.Equal(403, response!.Status);
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Not allowed" })).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator(".chart-card")).ToHaveCountAsync(0);
    }

    private async Task<string> StatusOfAsync(HttpClient api) =>
        (await api.GetFromJsonAsync<AgentListResponse>("/api/v1/agents", JsonDefaults.Options, Ct))!.Agents.Single(a => a.AgentId == Agent).Status;

    private static string Humanize(string value) => char.ToUpperInvariant(value[0]) + value[1..].Replace('_', ' ');
}
