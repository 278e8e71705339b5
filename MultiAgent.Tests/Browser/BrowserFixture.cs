using Microsoft.Playwright;

namespace MultiAgent.Tests.Browser;

/// <summary>
/// Debian's Chromium driven by Playwright, launched once for the collection on first use (tests that need no browser
/// pay nothing). Nothing is ever downloaded: the Playwright driver ships inside the NuGet package and the browser is
/// the system's, at <see cref="ExecutablePath"/>.
/// </summary>
public sealed class BrowserFixture : IAsyncDisposable
{
    /// <summary>Set <c>MULTIAGENT_CHROMIUM</c> to use another Chromium build (e.g. on a machine without Debian's package).</summary>
    public static string ExecutablePath => Environment.GetEnvironmentVariable("MULTIAGENT_CHROMIUM") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    private readonly SemaphoreSlim _gate = new(1, 1);
    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public async Task<IBrowser> GetBrowserAsync()
    {
        await _gate.WaitAsync();
        try
        {
            if (_browser is { IsConnected: true })
            {
                return _browser;
            }

            if (!File.Exists(ExecutablePath))
            {
                throw new InvalidOperationException(
                    $"Chromium is not installed at {ExecutablePath}: run `apt-get install -y chromium` (.ci/run does), or set MULTIAGENT_CHROMIUM to a Chromium executable.");
            }

            _playwright ??= await Playwright.CreateAsync();
            _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = ExecutablePath,
                Headless = true,
                // As root in a container Chromium's sandbox cannot start; /dev/shm is small there.
                Args = ["--no-sandbox", "--disable-dev-shm-usage"],
            });
            return _browser;
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.CloseAsync();
        }

        _playwright?.Dispose();
        _gate.Dispose();
    }
}
