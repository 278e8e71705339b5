using System.Text.RegularExpressions;
using Microsoft.Playwright;
using MultiAgent.Tests.EndToEnd;

namespace MultiAgent.Tests.Browser;

/// <summary>The task list: search by title, the owner for admins, and a phone-sized screen.</summary>
[Trait("Category", "AppHost")]
[Collection(PlatformCollection.Name)]
public sealed class TaskListTests(PlatformFixture platform, BrowserFixture browser) : BrowserTest(platform, browser)
{
    [Fact]
    public async Task An_admin_finds_a_task_by_title_and_sees_whose_it_is()
    {
        var marker = Guid.NewGuid().ToString("N")[..10];
        var owner = await Platform.RegisterUserAsync("Grace");
        using var ownerApi = Platform.CreateClient(owner.Tokens.AccessToken);
        await PlatformFixture.SubmitAsync(ownerApi, $"Compiler roadmap {marker}", "Plan the next release of a small compiler, with risks.");
        await PlatformFixture.SubmitAsync(ownerApi, $"Unrelated {Guid.NewGuid():N}", "Another task that the search must leave out of the list.");

        var page = await OpenPageAsync();
        await SignInAsAdminAsync(page);
        await GotoInteractiveAsync(page, "/tasks");
        await page.Locator("#task-search").FillAsync($"roadmap {marker}".ToUpperInvariant());
        await page.GetByRole(AriaRole.Button, new() { Name = "Search" }).ClickAsync();

        await Assertions.Expect(page).ToHaveURLAsync(new Regex("[?&]q=ROADMAP"));
        var rows = page.Locator(".table-tasks tbody tr");
        await Assertions.Expect(rows).ToHaveCountAsync(1);
        await Assertions.Expect(rows.Locator(".cell-title")).ToHaveTextAsync($"Compiler roadmap {marker}");
        await Assertions.Expect(page.GetByRole(AriaRole.Columnheader, new() { Name = "Owner" })).ToBeVisibleAsync();
        await Assertions.Expect(rows.Locator(".cell-owner")).ToHaveTextAsync("Grace");
        await Assertions.Expect(page.Locator(".pager")).ToContainTextAsync("1 task");
        await Assertions.Expect(page.Locator(".pager")).Not.ToContainTextAsync("1 tasks");
    }

    [Fact]
    public async Task A_user_sees_no_owner_column()
    {
        var page = await OpenPageAsync();
        var user = await SignUpAsync(page);
        using var api = Platform.CreateClient((await Platform.SignInAsync(user.Email, user.Password)).AccessToken);
        await PlatformFixture.SubmitAsync(api, "My own task", "A task whose owner the list need not name.");

        await GotoInteractiveAsync(page, "/tasks");
        await Assertions.Expect(page.Locator(".table-tasks tbody tr")).ToHaveCountAsync(1);
        await Assertions.Expect(page.GetByRole(AriaRole.Columnheader, new() { Name = "Owner" })).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task On_a_phone_no_page_scrolls_sideways_and_the_top_bar_is_one_row()
    {
        var owner = await Platform.RegisterUserAsync("Phoebe");
        using var ownerApi = Platform.CreateClient(owner.Tokens.AccessToken);
        await PlatformFixture.SubmitAsync(ownerApi, "A task with a rather long title that has to wrap on a narrow phone screen somewhere",
            "Check that a long title wraps instead of pushing the page sideways.");

        var page = await OpenPageAsync(Phone);
        await SignInAsAdminAsync(page);
        string[] paths = ["/", "/tasks", "/agents", "/admin"];
        foreach (var path in paths)
        {
            await GotoInteractiveAsync(page, path);
            await Assertions.Expect(page.Locator("main h1")).ToBeVisibleAsync();
            Assert.True(await HorizontalOverflowAsync(page) <= 0, $"{path} scrolls sideways on a {Phone.Width} px screen by {await HorizontalOverflowAsync(page)} px.");
            var bar = await page.Locator(".topbar").BoundingBoxAsync();
            Assert.True(bar!.Height <= 64, $"The top bar of {path} is {bar.Height} px high: more than one row.");
            foreach (var link in new[] { "New", "Tasks", "Agents", "Admin" })
            {
                await Assertions.Expect(page.Locator(".topbar .nav").GetByRole(AriaRole.Link, new() { Name = link, Exact = true })).ToBeVisibleAsync();
            }
        }

        // Every column of the task list is still there, labelled, on the phone.
        await GotoInteractiveAsync(page, "/tasks");
        var row = page.Locator(".table-tasks tbody tr").First;
        foreach (var label in new[] { "Owner", "Status", "Stage", "Progress", "Priority", "Created", "Updated" })
        {
            await Assertions.Expect(row.Locator($"td[data-label={label}]")).ToBeVisibleAsync();
        }
        await DocScreenshotAsync(page, "phone-tasks", fullPage: false);
        await GotoInteractiveAsync(page, "/agents");
        await DocScreenshotAsync(page, "phone-agents", fullPage: false);
    }
}
