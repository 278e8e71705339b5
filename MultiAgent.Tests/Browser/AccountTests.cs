using System.Text.RegularExpressions;
using Microsoft.Playwright;
using MultiAgent.Tests.EndToEnd;

namespace MultiAgent.Tests.Browser;

/// <summary>Who is signed in reads right, across sign-ins, and sign-in messages do not contradict each other.</summary>
[Trait("Category", "AppHost")]
[Collection(PlatformCollection.Name)]
public sealed class AccountTests(PlatformFixture platform, BrowserFixture browser) : BrowserTest(platform, browser)
{
    [Fact]
    public async Task The_display_name_survives_signing_out_and_in_again()
    {
        var page = await OpenPageAsync();
        var user = await SignUpAsync(page, displayName: "Ada Lovelace");
        await Assertions.Expect(page.Locator(".account-name")).ToHaveTextAsync("Ada Lovelace");

        await SignOutAsync(page);
        await Assertions.Expect(page.Locator(".auth").GetByRole(AriaRole.Status)).ToHaveTextAsync("You have signed out.");
        await SignInAsync(page, user.Email, user.Password);

        // The name now comes from the access token's name claim, not from the sign-up form.
        await Assertions.Expect(page.Locator(".account-name")).ToHaveTextAsync("Ada Lovelace");
        await page.Locator(".account-button").ClickAsync();
        await Assertions.Expect(page.Locator(".account-who")).ToContainTextAsync(user.Email);
        await Assertions.Expect(page.Locator(".account-who")).ToContainTextAsync("User");
        await Assertions.Expect(page.Locator(".badge-admin")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task After_signing_out_a_failed_sign_in_shows_only_its_error()
    {
        var page = await OpenPageAsync();
        var user = await SignUpAsync(page);
        await SignOutAsync(page);

        await page.Locator("#email").FillAsync(user.Email);
        await page.Locator("#password").FillAsync("not-the-password");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();

        // Scoped to the sign-in form: while the signed-out page's circuit goes away, Blazor's own error bar (also an alert) may flash.
        var form = page.Locator(".auth");
        await Assertions.Expect(form.GetByRole(AriaRole.Alert)).ToContainTextAsync("The email or password is not correct.");
        await Assertions.Expect(form.GetByText("You have signed out.")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task The_admin_reads_as_one_admin_badge_not_a_list_of_roles()
    {
        var page = await OpenPageAsync();
        await SignInAsAdminAsync(page);

        await Assertions.Expect(page.Locator(".topbar .badge-admin")).ToHaveTextAsync("Admin");
        await Assertions.Expect(page.Locator(".topbar")).Not.ToContainTextAsync(new Regex("user, ?admin", RegexOptions.IgnoreCase));
        await page.Locator(".account-button").ClickAsync();
        await Assertions.Expect(page.Locator(".account-who")).ToContainTextAsync("Administrator");
    }

    private static async Task SignOutAsync(IPage page)
    {
        await page.Locator(".account-button").ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/signin"));
    }
}
