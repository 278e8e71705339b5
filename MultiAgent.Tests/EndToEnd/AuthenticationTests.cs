using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.EntityFrameworkCore;
using MultiAgent.Contracts;
using MultiAgent.Contracts.Api;
using MultiAgent.Contracts.Events;

namespace MultiAgent.Tests.EndToEnd;

[Trait("Category", "AppHost")]
[Collection(PlatformCollection.Name)]
[Trait("Category", "AppHost")]
public class AuthenticationTests(PlatformFixture platform)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Register_refuses_a_duplicate_email_and_a_weak_password_per_field()
    {
        var user = await platform.RegisterUserAsync("dup");
        Assert.Matches("^user_[0-9a-f]{32}$", user.UserId);
        using var anonymous = platform.CreateAnonymousClient();

        var duplicate = await anonymous.PostAsJsonAsync("/api/v1/auth/register", new { email = user.Email.ToUpperInvariant(), password = user.Password }, Ct);
        Assert.Equal(HttpStatusCode.Conflict, duplicate.StatusCode);
        Assert.Equal("application/problem+json", duplicate.Content.Headers.ContentType?.MediaType);

        var email = $"weak-{Guid.NewGuid():N}@test.multiagent.local";
        var weak = await anonymous.PostAsJsonAsync("/api/v1/auth/register", new { email, password = "short" }, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, weak.StatusCode);
        using var problem = JsonDocument.Parse(await weak.Content.ReadAsStringAsync(Ct));
        Assert.True(problem.RootElement.GetProperty("errors").GetProperty("password").GetArrayLength() >= 2);

        var token = await anonymous.PostAsJsonAsync("/api/v1/auth/token", new { email, password = "short" }, Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, token.StatusCode);
    }

    [Fact]
    public async Task Register_answers_with_the_location_of_the_new_users_profile_which_only_they_and_admins_read()
    {
        var email = $"located-{Guid.NewGuid():N}@test.multiagent.local";
        var password = $"Pw-{Guid.NewGuid():N}!A1";
        using var anonymous = platform.CreateAnonymousClient();
        var registered = await anonymous.PostAsJsonAsync("/api/v1/auth/register", new { email, password, display_name = "Located" }, Ct);
        Assert.Equal(HttpStatusCode.Created, registered.StatusCode);
        var location = registered.Headers.Location!;

        using var owner = platform.CreateClient((await platform.SignInAsync(email, password)).AccessToken);
        var profile = await owner.GetFromJsonAsync<UserProfile>(location, JsonDefaults.Options, Ct);
        Assert.Equal((email, "Located"), (profile!.Email, profile.DisplayName));
        Assert.Contains("user", profile.Roles);
        Assert.Equal(profile.UserId, (await owner.GetFromJsonAsync<UserProfile>("/api/v1/users/me", JsonDefaults.Options, Ct))!.UserId);

        using var stranger = await platform.CreateUserClientAsync();
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.GetAsync(location, Ct)).StatusCode);
        using var admin = await platform.CreateAdminClientAsync();
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync(location, Ct)).StatusCode);
    }

    [Fact]
    public async Task Wrong_password_and_unknown_email_get_the_same_401()
    {
        var user = await platform.RegisterUserAsync();
        using var anonymous = platform.CreateAnonymousClient();
        var wrong = await anonymous.PostAsJsonAsync("/api/v1/auth/token", new { email = user.Email, password = user.Password + "x" }, Ct);
        var unknown = await anonymous.PostAsJsonAsync("/api/v1/auth/token", new { email = "nobody-" + user.Email, password = user.Password }, Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, unknown.StatusCode);
        Assert.Equal(Detail(await wrong.Content.ReadAsStringAsync(Ct)), Detail(await unknown.Content.ReadAsStringAsync(Ct)));
    }

    [Fact]
    public async Task Refresh_rotates_and_reusing_a_rotated_token_revokes_the_family()
    {
        var user = await platform.RegisterUserAsync();
        Assert.Equal("Bearer", user.Tokens.TokenType);
        Assert.Equal(900, user.Tokens.ExpiresIn);
        using var anonymous = platform.CreateAnonymousClient();

        var first = await RefreshAsync(anonymous, user.Tokens.RefreshToken);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var pair = (await first.Content.ReadFromJsonAsync<TokenResponse>(JsonDefaults.Options, Ct))!;
        Assert.NotEqual(user.Tokens.RefreshToken, pair.RefreshToken);

        using (var api = platform.CreateClient(pair.AccessToken))
        {
            Assert.Equal(HttpStatusCode.OK, (await api.GetAsync("/api/v1/tasks", Ct)).StatusCode);
        }

        // The rotated token again: refused, and its descendant with it.
        Assert.Equal(HttpStatusCode.Unauthorized, (await RefreshAsync(anonymous, user.Tokens.RefreshToken)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await RefreshAsync(anonymous, pair.RefreshToken)).StatusCode);

        await using var db = await platform.CreateDbContextAsync();
        var family = await db.RefreshTokens.Where(t => t.UserId == user.UserId).ToListAsync(Ct);
        Assert.Equal(2, family.Count);
        Assert.All(family, t => Assert.NotNull(t.RevokedAt));
        Assert.Single(family.Select(t => t.FamilyId).Distinct());
        Assert.DoesNotContain(family, t => t.TokenHash == user.Tokens.RefreshToken);
    }

    [Fact]
    public async Task Logout_revokes_the_access_token_and_the_refresh_tokens()
    {
        var user = await platform.RegisterUserAsync();
        using var api = platform.CreateClient(user.Tokens.AccessToken);
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync("/api/v1/tasks", Ct)).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await api.PostAsync("/api/v1/auth/logout", null, Ct)).StatusCode);

        var after = await api.GetAsync("/api/v1/tasks", Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
        using var anonymous = platform.CreateAnonymousClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await RefreshAsync(anonymous, user.Tokens.RefreshToken)).StatusCode);
    }

    [Fact]
    public async Task Requests_without_a_valid_token_get_401_problems_and_rate_limit_headers_come_with_answers()
    {
        using var anonymous = platform.CreateAnonymousClient();
        var response = await anonymous.GetAsync("/api/v1/tasks", Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains(response.Headers.WwwAuthenticate, h => h.Scheme == "Bearer");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);

        using var forged = platform.CreateClient("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1c2VyX3gifQ.c2lnbmF0dXJl");
        Assert.Equal(HttpStatusCode.Unauthorized, (await forged.GetAsync("/api/v1/tasks", Ct)).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/api/v1/agents/types", Ct)).StatusCode);
        var health = await anonymous.GetAsync("/api/v1/health", Ct);
        Assert.False(health.Headers.Contains("X-RateLimit-Limit"));

        using var api = await platform.CreateUserClientAsync();
        var ok = await api.GetAsync("/api/v1/tasks", Ct);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal("6000", ok.Headers.GetValues("X-RateLimit-Limit").Single());
        Assert.True(long.Parse(ok.Headers.GetValues("X-RateLimit-Reset").Single()) > DateTimeOffset.UtcNow.ToUnixTimeSeconds());
    }

    [Fact]
    public async Task Admin_reads_every_users_tasks_and_the_metrics_which_users_may_not()
    {
        var owner = await platform.RegisterUserAsync();
        using var ownerApi = platform.CreateClient(owner.Tokens.AccessToken);
        var created = await PlatformFixture.SubmitAsync(ownerApi, "Owner's task for the admin", "Summarise three facts about lighthouses for a children's book.");
        await ownerApi.DeleteAsync($"/api/v1/tasks/{created.TaskId}", Ct);

        var forbidden = await ownerApi.GetAsync("/api/v1/metrics", Ct);
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        Assert.Equal("application/problem+json", forbidden.Content.Headers.ContentType?.MediaType);
        // A user's user_id filter is ignored: still only their own tasks.
        using var stranger = await platform.CreateUserClientAsync();
        var strangers = await stranger.GetFromJsonAsync<TaskListResponse>($"/api/v1/tasks?user_id={owner.UserId}", JsonDefaults.Options, Ct);
        Assert.Empty(strangers!.Tasks);

        using var admin = await platform.CreateAdminClientAsync();
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/api/v1/metrics", Ct)).StatusCode);
        var task = await admin.GetFromJsonAsync<TaskDetails>($"/api/v1/tasks/{created.TaskId}", JsonDefaults.Options, Ct);
        Assert.Equal(owner.UserId, task!.UserId);
        var list = await admin.GetFromJsonAsync<TaskListResponse>($"/api/v1/tasks?user_id={owner.UserId}", JsonDefaults.Options, Ct);
        Assert.Equal(created.TaskId, Assert.Single(list!.Tasks).TaskId);
    }

    [Fact]
    public async Task Eleventh_task_in_an_hour_is_refused_with_429_and_nothing_is_written()
    {
        var user = await platform.RegisterUserAsync();
        using var api = platform.CreateClient(user.Tokens.AccessToken);
        for (var i = 0; i < 10; i++)
        {
            var created = await PlatformFixture.SubmitAsync(api, $"Quota task {i}", "Name one colour of the rainbow and say why it is there.");
            await api.DeleteAsync($"/api/v1/tasks/{created.TaskId}", Ct);
        }

        var refused = await api.PostAsJsonAsync("/api/v1/tasks",
            new { title = "One too many", description = "Name one colour of the rainbow and say why it is there.", priority = "low" }, Ct);
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal("10", refused.Headers.GetValues("X-RateLimit-Limit").Single());
        Assert.Equal("0", refused.Headers.GetValues("X-RateLimit-Remaining").Single());
        Assert.True(int.Parse(refused.Headers.GetValues("Retry-After").Single()) > 0);
        using var body = JsonDocument.Parse(await refused.Content.ReadAsStringAsync(Ct));
        Assert.Equal("RateLimitExceeded", body.RootElement.GetProperty("error").GetString());
        Assert.Equal(10, body.RootElement.GetProperty("limit").GetInt32());
        Assert.Equal(11, body.RootElement.GetProperty("current").GetInt32());
        Assert.True(body.RootElement.GetProperty("retry_after").GetInt32() > 0);
        Assert.True(body.RootElement.TryGetProperty("reset_at", out _));

        await using var db = await platform.CreateDbContextAsync();
        Assert.Equal(10, await db.Tasks.CountAsync(t => t.UserId == user.UserId, Ct));
    }

    [Fact]
    public async Task Hub_needs_a_token_serves_only_the_users_tasks_and_refuses_a_sixth_connection()
    {
        var owner = await platform.RegisterUserAsync();
        var other = await platform.RegisterUserAsync();
        using var ownerApi = platform.CreateClient(owner.Tokens.AccessToken);
        var created = await PlatformFixture.SubmitAsync(ownerApi, "Hub task", "List two uses of copper in electronics.");
        await ownerApi.DeleteAsync($"/api/v1/tasks/{created.TaskId}", Ct);

        await using (var anonymous = platform.CreateHub(null))
        {
            await Assert.ThrowsAnyAsync<Exception>(() => anonymous.StartAsync(Ct));
        }

        await using (var stranger = platform.CreateHub(other.Tokens.AccessToken))
        {
            await stranger.StartAsync(Ct);
            await Assert.ThrowsAsync<HubException>(() => stranger.InvokeAsync<TaskDetails>("Subscribe", created.TaskId, Ct));
        }

        var connections = new List<HubConnection>();
        try
        {
            for (var i = 0; i < 5; i++)
            {
                var connection = platform.CreateHub(owner.Tokens.AccessToken);
                connections.Add(connection);
                await connection.StartAsync(Ct);
            }
            var state = await connections[0].InvokeAsync<TaskDetails>("Subscribe", created.TaskId, Ct);
            Assert.Equal(created.TaskId, state.TaskId);

            await using var sixth = platform.CreateHub(owner.Tokens.AccessToken);
            await Assert.ThrowsAnyAsync<Exception>(() => sixth.StartAsync(Ct));
        }
        finally
        {
            foreach (var connection in connections) await connection.DisposeAsync();
        }
    }

    private static Task<HttpResponseMessage> RefreshAsync(HttpClient client, string refreshToken) =>
        client.PostAsJsonAsync("/api/v1/auth/refresh", new { refresh_token = refreshToken }, Ct);

    private static string? Detail(string problem)
    {
        using var document = JsonDocument.Parse(problem);
        return document.RootElement.GetProperty("detail").GetString();
    }
}
