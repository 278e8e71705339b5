using System.Collections.Concurrent;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using MultiAgent.Contracts;
using MultiAgent.Tests.EndToEnd;

namespace MultiAgent.Tests.Security;

/// <summary>Passwords, tokens and keys never reach the services' logs, even when they travel in a URL.</summary>
[Trait("Category", "AppHost")]
[Collection(PlatformCollection.Name)]
[Trait("Category", "AppHost")]
public class SecretsInLogsTests(PlatformFixture platform)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Passwords_tokens_and_keys_do_not_appear_in_any_service_log()
    {
        var loggers = platform.App.Services.GetRequiredService<ResourceLoggerService>();
        var lines = new ConcurrentQueue<string>();
        using var watching = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var projects = platform.App.Services.GetRequiredService<DistributedApplicationModel>().Resources.OfType<ProjectResource>().ToList();
        var watchers = projects.Select(resource => Task.Run(async () =>
        {
            try
            {
                await foreach (var batch in loggers.WatchAsync(resource).WithCancellation(watching.Token))
                {
                    foreach (var line in batch) lines.Enqueue(line.Content);
                }
            }
            catch (OperationCanceledException)
            {
            }
        })).ToList();

        // Sign up, sign in, use the token in a header and in the hub's query string, refresh, run a task, sign out.
        var user = await platform.RegisterUserAsync("logcheck");
        using var api = platform.CreateClient(user.Tokens.AccessToken);
        await using (var hub = platform.CreateHub(user.Tokens.AccessToken))
        {
            await hub.StartAsync(Ct);
        }
        using var anonymous = platform.CreateAnonymousClient();
        var refreshed = await anonymous.PostAsJsonAsync("/api/v1/auth/refresh", new { refresh_token = user.Tokens.RefreshToken }, JsonDefaults.Options, Ct);
        refreshed.EnsureSuccessStatusCode();
        var created = await PlatformFixture.SubmitAsync(api, "Log hygiene", "Describe three ways to keep secrets out of logs.");
        await PlatformFixture.WaitForStatusAsync(api, created.TaskId, t => t.Status.IsTerminal(), PlatformFixture.TaskTimeout);
        await anonymous.PostAsJsonAsync("/api/v1/auth/token", new { email = user.Email, password = "Wrong-" + user.Password }, JsonDefaults.Options, Ct);

        await Task.Delay(TimeSpan.FromSeconds(3), Ct);
        await watching.CancelAsync();
        await Task.WhenAll(watchers);

        Assert.NotEmpty(lines);
        string[] secrets =
        [
            user.Password,
            user.Tokens.AccessToken,
            user.Tokens.RefreshToken,
            await platform.GetParameterValueAsync("aigateway-api-key"),
            await platform.GetParameterValueAsync("jwt-signing-key"),
            await platform.GetAdminPasswordAsync(),
        ];
        foreach (var secret in secrets)
        {
            Assert.DoesNotContain(lines, line => line.Contains(secret, StringComparison.Ordinal));
        }
        // Nor a piece of the token's signature (e.g. in a logged URL cut short).
        Assert.DoesNotContain(lines, line => line.Contains(user.Tokens.AccessToken[^30..], StringComparison.Ordinal));
    }
}
