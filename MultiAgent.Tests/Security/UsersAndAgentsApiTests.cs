using System.Net;
using System.Net.Http.Json;
using MultiAgent.Contracts;
using MultiAgent.Contracts.Api;
using MultiAgent.Tests.EndToEnd;
using MultiAgent.Web.Services.Auth;

namespace MultiAgent.Tests.Security;

/// <summary>The endpoints the Web's agents page and admin task list read: who may read what, and what they say.</summary>
[Trait("Category", "AppHost")]
[Collection(PlatformCollection.Name)]
public class UsersAndAgentsApiTests(PlatformFixture platform)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Only_an_admin_looks_up_task_owners()
    {
        var owner = await platform.RegisterUserAsync("Olga");
        using var user = platform.CreateClient(owner.Tokens.AccessToken);
        using var admin = await platform.CreateAdminClientAsync();

        Assert.Equal(HttpStatusCode.Forbidden, (await user.GetAsync($"/api/v1/users?ids={owner.UserId}", Ct)).StatusCode);
        var found = await admin.GetFromJsonAsync<UserListResponse>($"/api/v1/users?ids={owner.UserId},user_unknown", JsonDefaults.Options, Ct);
        var olga = Assert.Single(found!.Users);
        Assert.Equal((owner.UserId, owner.Email, "Olga"), (olga.UserId, olga.Email, olga.DisplayName));
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.GetAsync("/api/v1/users?ids=not%20an%20id", Ct)).StatusCode);
    }

    [Fact]
    public async Task The_access_token_names_the_person()
    {
        var named = await platform.RegisterUserAsync("Linus");
        var claims = SessionCookie.ReadJwtClaims(named.Tokens.AccessToken);
        Assert.Contains(("name", "Linus"), claims);

        // Without a display name the token names the person by email.
        var email = $"nameless-{Guid.NewGuid():N}@test.multiagent.local";
        const string password = "Pw-Nameless-123!A1";
        using var anonymous = platform.CreateAnonymousClient();
        (await anonymous.PostAsJsonAsync("/api/v1/auth/register", new { email, password }, JsonDefaults.Options, Ct)).EnsureSuccessStatusCode();
        Assert.Contains(("name", email), SessionCookie.ReadJwtClaims((await platform.SignInAsync(email, password)).AccessToken));
    }

    [Fact]
    public async Task Every_signed_in_user_reads_the_agents_with_their_model()
    {
        using var user = await platform.CreateUserClientAsync();
        using var anonymous = platform.CreateAnonymousClient();

        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/v1/agents", Ct)).StatusCode);
        var agents = (await user.GetFromJsonAsync<AgentListResponse>("/api/v1/agents", JsonDefaults.Options, Ct))!.Agents;
        var developer = Assert.Single(agents, a => a.AgentId == "agent_developer");
        Assert.Equal("developer", developer.AgentType);
        Assert.False(string.IsNullOrEmpty(developer.Model));
        Assert.True(developer.MaxTokens > 0);
        Assert.Contains(developer.Status, new[] { "idle", "busy", "maintenance" });
    }

    [Fact]
    public async Task The_task_list_searches_titles_literally_and_case_insensitively()
    {
        using var user = await platform.CreateUserClientAsync();
        await PlatformFixture.SubmitAsync(user, "Sale: 50% off in Q4", "Plan the pricing of a seasonal sale for a small shop.");
        await PlatformFixture.SubmitAsync(user, "Sale: 50 items off in Q4", "Plan the stock of a seasonal sale for a small shop.");

        var percent = await user.GetFromJsonAsync<TaskListResponse>("/api/v1/tasks?q=" + Uri.EscapeDataString("50% OFF"), JsonDefaults.Options, Ct);
        Assert.Equal(["Sale: 50% off in Q4"], percent!.Tasks.Select(t => t.Title));
        var both = await user.GetFromJsonAsync<TaskListResponse>("/api/v1/tasks?q=sale", JsonDefaults.Options, Ct);
        Assert.Equal(2, both!.Pagination.Total);
        Assert.Equal(HttpStatusCode.BadRequest, (await user.GetAsync("/api/v1/tasks?q=" + new string('x', 201), Ct)).StatusCode);
    }
}
