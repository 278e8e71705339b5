using System.Net.Http.Json;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using MultiAgent.Contracts;
using MultiAgent.Contracts.Api;
using MultiAgent.Contracts.Validation;
using MultiAgent.Tests.EndToEnd;

namespace MultiAgent.Tests.Browser;

/// <summary>The new-task form in a real browser: long text cannot break it, and nothing typed is lost.</summary>
[Trait("Category", "AppHost")]
[Collection(PlatformCollection.Name)]
public sealed class NewTaskFormTests(PlatformFixture platform, BrowserFixture browser) : BrowserTest(platform, browser)
{
    [Fact]
    public async Task A_40000_character_paste_keeps_the_text_up_to_the_limit_and_the_form_still_submits()
    {
        const int Limit = CreateTaskValidator.DescriptionMaxLength;
        var page = await OpenPageAsync();
        await page.Context.GrantPermissionsAsync(["clipboard-read", "clipboard-write"]);
        var user = await SignUpAsync(page);
        await OpenFormAsync(page);

        var pasted = NumberedWords(40_000);
        var title = $"Long paste {Guid.NewGuid():N}";
        await page.Locator("#title").FillAsync(title);
        await page.EvaluateAsync("text => navigator.clipboard.writeText(text)", pasted);
        await page.Locator("#description").FocusAsync();
        await page.Keyboard.PressAsync("Control+V");

        // Kept up to the limit, the limit stated, the counter right, and the cut said out loud.
        var kept = await page.Locator("#description").InputValueAsync();
        Assert.Equal(pasted[..Limit], kept);
        await Assertions.Expect(page.Locator("#description-count")).ToHaveTextAsync("10,000 / 10,000 characters");
        await Assertions.Expect(page.Locator("#description-count")).ToHaveClassAsync(new Regex(@"\bhint-ok\b"));
        await Assertions.Expect(page.Locator("label[for=description]")).ToContainTextAsync("20 to 10,000 characters");
        await Assertions.Expect(page.Locator("#description-notice")).ToContainTextAsync("cut at the 10,000-character limit: its last 30,000 characters were not added");
        await DocScreenshotAsync(page, "new-task-at-limit", fullPage: false);

        // Leaving the page loses nothing: the draft comes back.
        await page.Locator("#description").BlurAsync();
        await GotoInteractiveAsync(page, "/tasks");
        await OpenFormAsync(page);
        await Assertions.Expect(page.Locator("#description")).ToHaveValueAsync(pasted[..Limit]);
        await Assertions.Expect(page.Locator("#title")).ToHaveValueAsync(title);
        await Assertions.Expect(page.Locator("#draft-notice")).ToContainTextAsync("draft was restored");

        // The live connection survived: submitting works and the Api has all 10,000 characters.
        await page.GetByRole(AriaRole.Button, new() { Name = "Submit task" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/tasks/task_"));
        var taskId = page.Url[(page.Url.LastIndexOf('/') + 1)..];
        using var api = Platform.CreateClient((await Platform.SignInAsync(user.Email, user.Password)).AccessToken);
        var task = await api.GetFromJsonAsync<TaskDetails>($"/api/v1/tasks/{taskId}", JsonDefaults.Options, Ct);
        Assert.Equal(title, task!.Title);
        Assert.Equal(pasted[..Limit].Trim(), task.Description);

        // A sent task's draft is gone.
        await OpenFormAsync(page);
        await Assertions.Expect(page.Locator("#description")).ToHaveValueAsync("");
        await Assertions.Expect(page.Locator("#description-count")).ToHaveTextAsync("0 / 10,000 characters — at least 20 needed");
    }

    [Fact]
    public async Task The_form_shows_the_api_error_once_without_repeating_itself()
    {
        var page = await OpenPageAsync();
        await SignUpAsync(page);
        await OpenFormAsync(page);

        await page.Locator("#title").FillAsync("Too short");
        await page.Locator("#description").FillAsync("short");
        await page.GetByRole(AriaRole.Button, new() { Name = "Submit task" }).ClickAsync();

        var alert = page.GetByRole(AriaRole.Alert).Filter(new() { HasText = "Could not create the task." });
        await Assertions.Expect(alert).ToBeVisibleAsync();
        var text = await alert.InnerTextAsync();
        Assert.DoesNotContain("HTTP 400", text);
        Assert.DoesNotContain("Fix the fields listed in errors", text);
        Assert.Contains("Correct the highlighted fields", text);
        await Assertions.Expect(page.Locator(".field-error")).ToContainTextAsync("Description must be at least 20 characters");
    }

    private static async Task OpenFormAsync(IPage page)
    {
        await GotoInteractiveAsync(page, "/");
        // The browser side of the form (counter, draft, paste notice) is attached.
        await Assertions.Expect(page.Locator("[data-draft=ready]")).ToHaveCountAsync(1);
    }

    /// <summary>"w1 w2 w3 …" to <paramref name="length"/> characters: any cut or shift shows in a comparison.</summary>
    private static string NumberedWords(int length)
    {
        var text = new StringBuilder(length + 16);
        for (var i = 1; text.Length < length; i++)
        {
            text.Append('w').Append(i).Append(i % 12 == 0 ? '\n' : ' ');
        }
        return text.ToString(0, length);
    }
}
