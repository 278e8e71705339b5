using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using MultiAgent.Contracts;
using MultiAgent.Contracts.Api;
using MultiAgent.Contracts.Events;
using MultiAgent.Tests.EndToEnd;

namespace MultiAgent.Tests.Security;

/// <summary>A user sees and acts on their own tasks only; another user's task does not exist for them. Admins see all.</summary>
[Trait("Category", "AppHost")]
[Collection(PlatformCollection.Name)]
[Trait("Category", "AppHost")]
public class OwnershipTests(PlatformFixture platform)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task User_cannot_read_list_cancel_revise_or_subscribe_to_another_users_task()
    {
        var ownerUser = await platform.RegisterUserAsync();
        var strangerUser = await platform.RegisterUserAsync();
        using var owner = platform.CreateClient(ownerUser.Tokens.AccessToken);
        using var stranger = platform.CreateClient(strangerUser.Tokens.AccessToken);
        var created = await PlatformFixture.SubmitAsync(owner, "Owner's private task",
            "Summarise the owner's private research notes into a short briefing.");
        var id = created.TaskId;

        Assert.Equal(HttpStatusCode.NotFound, (await stranger.GetAsync($"/api/v1/tasks/{id}", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.GetAsync($"/api/v1/tasks/{id}/result", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.GetAsync($"/api/v1/tasks/{id}/agents", Ct)).StatusCode);
        var list = await stranger.GetFromJsonAsync<TaskListResponse>("/api/v1/tasks", JsonDefaults.Options, Ct);
        Assert.DoesNotContain(list!.Tasks, t => t.TaskId == id);
        Assert.Equal(HttpStatusCode.NotFound,
            (await stranger.PostAsJsonAsync($"/api/v1/tasks/{id}/revise", new { revision_request = "Change everything please." }, JsonDefaults.Options, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.DeleteAsync($"/api/v1/tasks/{id}", Ct)).StatusCode);

        // Real-time: the stranger's subscription is refused, the owner's accepted.
        await using (var hub = platform.CreateHub(strangerUser.Tokens.AccessToken))
        {
            await hub.StartAsync(Ct);
            await Assert.ThrowsAsync<HubException>(() => hub.InvokeAsync<TaskDetails>("Subscribe", id, Ct));
        }
        await using (var hub = platform.CreateHub(ownerUser.Tokens.AccessToken))
        {
            await hub.StartAsync(Ct);
            Assert.Equal(id, (await hub.InvokeAsync<TaskDetails>("Subscribe", id, Ct)).TaskId);
        }

        // The stranger's attempts changed nothing: the task still runs to completion for its owner.
        var done = await PlatformFixture.WaitForStatusAsync(owner, id, t => t.Status.IsTerminal(), PlatformFixture.TaskTimeout);
        Assert.Equal(TaskStatus.Completed, done.Status);
    }

    [Fact]
    public async Task A_user_id_in_the_request_body_is_ignored()
    {
        using var api = await platform.CreateUserClientAsync();
        var response = await api.PostAsJsonAsync("/api/v1/tasks",
            new { title = "Impersonation attempt", description = "Create this task on behalf of somebody else entirely.", user_id = "user_someone_else" },
            JsonDefaults.Options, Ct);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var created = await response.Content.ReadFromJsonAsync<TaskCreatedResponse>(JsonDefaults.Options, Ct);
        var details = await api.GetFromJsonAsync<TaskDetails>($"/api/v1/tasks/{created!.TaskId}", JsonDefaults.Options, Ct);
        Assert.NotEqual("user_someone_else", details!.UserId);
        Assert.StartsWith("user_", details.UserId);
        await api.DeleteAsync($"/api/v1/tasks/{created.TaskId}", Ct);
    }
}
