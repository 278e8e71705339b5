using System.Text.RegularExpressions;
using Microsoft.Playwright;
using MultiAgent.Tests.EndToEnd;

namespace MultiAgent.Tests.Browser;

/// <summary>
/// A browser test on the shared platform: each test opens its own browser contexts (own cookies, own viewport); when the
/// test fails, every page it opened is saved as a screenshot under the test results directory (<c>screenshots/</c>).
/// </summary>
public abstract class BrowserTest(PlatformFixture platform, BrowserFixture browser) : IAsyncDisposable
{
    /// <summary>A phone: iPhone 12–15 CSS width.</summary>
    public static readonly ViewportSize Phone = new() { Width = 390, Height = 844 };

    public static readonly ViewportSize Desktop = new() { Width = 1280, Height = 900 };

    /// <summary>How long a step may take before the test fails (the platform runs on two shared cores).</summary>
    protected const float StepTimeoutMs = 30_000;

    private readonly List<IBrowserContext> _contexts = [];

    protected PlatformFixture Platform => platform;

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    protected Uri WebAddress => Platform.App.GetEndpoint("web", "http");

    /// <summary>A new page in a fresh browser context (no cookies) on the Web app; the browser's time zone is UTC unless given.</summary>
    protected async Task<IPage> OpenPageAsync(ViewportSize? viewport = null, string timeZone = "UTC")
    {
        var context = await (await browser.GetBrowserAsync()).NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = WebAddress.ToString(),
            ViewportSize = viewport ?? Desktop,
            Locale = "en-US",
            TimezoneId = timeZone,
        });
        context.SetDefaultTimeout(StepTimeoutMs);
        Assertions.SetDefaultExpectTimeout(StepTimeoutMs);
        _contexts.Add(context);
        return await context.NewPageAsync();
    }

    /// <summary>Creates an account through the sign-up page (which signs the person in) and waits for the app's home page.</summary>
    protected async Task<UiUser> SignUpAsync(IPage page, string? displayName = null)
    {
        var email = $"ui-{Guid.NewGuid():N}@test.multiagent.local";
        var password = $"Pw-{Guid.NewGuid():N}!A1";
        await page.GotoAsync("/signup");
        await page.Locator("#email").FillAsync(email);
        if (displayName is not null)
        {
            await page.Locator("#display_name").FillAsync(displayName);
        }
        await page.Locator("#password").FillAsync(password);
        await page.Locator("#confirm").FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Create account" }).ClickAsync();
        await WaitUntilSignedInAsync(page);
        return new UiUser(email, password, displayName);
    }

    /// <summary>Signs in through the sign-in page and waits until the app is interactive.</summary>
    protected static async Task SignInAsync(IPage page, string email, string password)
    {
        if (!page.Url.Contains("/signin", StringComparison.Ordinal))
        {
            await page.GotoAsync("/signin");
        }
        await page.Locator("#email").FillAsync(email);
        await page.Locator("#password").FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await WaitUntilSignedInAsync(page);
    }

    protected async Task SignInAsAdminAsync(IPage page) =>
        await SignInAsync(page, PlatformFixture.AdminEmail, await Platform.GetAdminPasswordAsync());

    /// <summary>Goes to <paramref name="path"/> and waits until the page is live (the circuit is connected), so clicks reach the server.</summary>
    protected static async Task GotoInteractiveAsync(IPage page, string path)
    {
        await page.GotoAsync(path);
        await WaitForCircuitAsync(page);
    }

    /// <summary>The layout marks <c>body[data-interactive]</c> once the Blazor circuit has rendered.</summary>
    protected static Task WaitForCircuitAsync(IPage page) =>
        Assertions.Expect(page.Locator("body")).ToHaveAttributeAsync("data-interactive", "true");

    private static async Task WaitUntilSignedInAsync(IPage page)
    {
        await Assertions.Expect(page).Not.ToHaveURLAsync(new Regex("/(signin|signup)"));
        await WaitForCircuitAsync(page);
    }

    /// <summary>
    /// With <c>MULTIAGENT_DOC_SCREENSHOTS</c> set to a folder (the README's pictures: <c>docs/screenshots</c>), saves the page there as
    /// <paramref name="name"/>.png; otherwise does nothing. See docs/screenshots/README.md.
    /// </summary>
    protected static async Task DocScreenshotAsync(IPage page, string name, bool fullPage = true)
    {
        if (Environment.GetEnvironmentVariable("MULTIAGENT_DOC_SCREENSHOTS") is not { Length: > 0 } folder)
        {
            return;
        }

        // Still pictures from the top (a sticky bar would be drawn where the page was scrolled): no caret, no transition.
        await page.EvaluateAsync("() => window.scrollTo(0, 0)");
        await page.AddStyleTagAsync(new() { Content = "*, *::before, *::after { transition: none !important; animation: none !important; caret-color: transparent !important; }" });
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(System.IO.Directory.CreateDirectory(folder).FullName, name + ".png"), FullPage = fullPage });
    }

    /// <summary>As <see cref="DocScreenshotAsync(IPage, string, bool)"/>, of one element (a graph, a diff) in place.</summary>
    protected static async Task DocScreenshotAsync(ILocator element, string name)
    {
        if (Environment.GetEnvironmentVariable("MULTIAGENT_DOC_SCREENSHOTS") is not { Length: > 0 } folder)
        {
            return;
        }

        // The sticky top bar would cover the element's top.
        await element.Page.AddStyleTagAsync(new() { Content = ".topbar { position: static !important; } *, *::before, *::after { transition: none !important; animation: none !important; caret-color: transparent !important; }" });
        await element.ScreenshotAsync(new LocatorScreenshotOptions { Path = Path.Combine(System.IO.Directory.CreateDirectory(folder).FullName, name + ".png") });
    }

    /// <summary>The page's scroll width beyond its viewport: 0 when nothing makes the page scroll sideways.</summary>
    protected static Task<int> HorizontalOverflowAsync(IPage page) =>
        page.EvaluateAsync<int>("() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth) - document.documentElement.clientWidth");

    public async ValueTask DisposeAsync()
    {
        var failed = TestContext.Current.TestState?.Result == TestResult.Failed;
        for (var i = 0; i < _contexts.Count; i++)
        {
            if (failed)
            {
                await SaveScreenshotsAsync(_contexts[i], i);
            }
            await _contexts[i].CloseAsync();
        }

        GC.SuppressFinalize(this);
    }

    private static async Task SaveScreenshotsAsync(IBrowserContext context, int index)
    {
        var test = TestContext.Current.Test?.TestDisplayName ?? "test";
        var name = Regex.Replace(test, @"[^A-Za-z0-9_.-]+", "_");
        var pages = context.Pages;
        for (var p = 0; p < pages.Count; p++)
        {
            var path = Path.Combine(TestResults.ScreenshotsDirectory, $"{name}-{index}-{p}.png");
            try
            {
                await pages[p].ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true, Timeout = 10_000 });
                TestContext.Current.SendDiagnosticMessage($"Screenshot of the failed test's page {pages[p].Url}: {path}");
            }
            catch (PlaywrightException ex)
            {
                TestContext.Current.SendDiagnosticMessage($"No screenshot of {pages[p].Url}: {ex.Message}");
            }
        }
    }
}

/// <summary>A person who signed up through the UI.</summary>
public sealed record UiUser(string Email, string Password, string? DisplayName);

/// <summary>Where the run writes its results: <c>--results-directory</c> when given (as .ci/run does), else the test runner's default.</summary>
public static class TestResults
{
    public static string Directory
    {
        get
        {
            var args = Environment.GetCommandLineArgs();
            var index = Array.IndexOf(args, "--results-directory");
            return index >= 0 && index + 1 < args.Length ? args[index + 1] : Path.Combine(AppContext.BaseDirectory, "TestResults");
        }
    }

    public static string ScreenshotsDirectory => System.IO.Directory.CreateDirectory(Path.Combine(Directory, "screenshots")).FullName;
}
