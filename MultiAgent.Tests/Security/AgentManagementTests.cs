using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using MultiAgent.Contracts;
using MultiAgent.Data;
using MultiAgent.Orchestrator.Agents.Manager;
using MultiAgent.Orchestrator.Agents.Model;
using MultiAgent.Tests.EndToEnd;

namespace MultiAgent.Tests.Security;

/// <summary>Administrators manage agents: take them out of service and change their model; nobody else may.</summary>
[Trait("Category", "AppHost")]
[Collection(PlatformCollection.Name)]
[Trait("Category", "AppHost")]
public class AgentManagementTests(PlatformFixture platform)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Only_admins_manage_agents_and_bad_changes_are_refused()
    {
        using var user = await platform.CreateUserClientAsync();
        using var admin = await platform.CreateAdminClientAsync();

        Assert.Equal(HttpStatusCode.Forbidden,
            (await user.PatchAsJsonAsync("/api/v1/agents/agent_developer", new { status = "maintenance" }, JsonDefaults.Options, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound,
            (await admin.PatchAsJsonAsync("/api/v1/agents/agent_wizard", new { status = "maintenance" }, JsonDefaults.Options, Ct)).StatusCode);

        var invalid = await admin.PatchAsJsonAsync("/api/v1/agents/agent_developer", new { status = "asleep", temperature = 5 }, JsonDefaults.Options, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        using var problem = JsonDocument.Parse(await invalid.Content.ReadAsStringAsync(Ct));
        Assert.True(problem.RootElement.GetProperty("errors").TryGetProperty("status", out _));
        Assert.True(problem.RootElement.GetProperty("errors").TryGetProperty("temperature", out _));

        await using var db = await platform.CreateDbContextAsync();
        Assert.Equal("idle", (await db.Agents.SingleAsync(a => a.AgentId == "agent_developer", Ct)).Status);
    }

    [Fact]
    public async Task Agents_in_maintenance_are_not_selected_and_model_changes_take_effect()
    {
        using var admin = await platform.CreateAdminClientAsync();
        string[] kept = ["developer", "technical_writer"];
        var parked = AgentRegistry.Specialists.Select(s => s.Type).Except(kept).ToList();
        try
        {
            foreach (var type in parked)
            {
                var response = await admin.PatchAsJsonAsync($"/api/v1/agents/agent_{type}", new { status = "maintenance" }, JsonDefaults.Options, Ct);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            }
            var changed = await admin.PatchAsJsonAsync("/api/v1/agents/agent_manager", new { model = "gpt-4o-managed" }, JsonDefaults.Options, Ct);
            Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
            await Task.Delay(TimeSpan.FromSeconds(11), Ct); // the Orchestrator rereads agent settings every 10 s

            using var user = await platform.CreateUserClientAsync();
            var created = await PlatformFixture.SubmitAsync(user, "Only two specialists on duty",
                "Write the user guide for a command-line backup tool, with examples.");
            var done = await PlatformFixture.WaitForStatusAsync(user, created.TaskId, t => t.Status.IsTerminal(), PlatformFixture.TaskTimeout);
            Assert.Equal(TaskStatus.Completed, done.Status);

            await using var db = await platform.CreateDbContextAsync();
            var selection = await db.Interactions.SingleAsync(i => i.TaskId == created.TaskId && i.InteractionType == InteractionTypes.SpecialistSelection, Ct);
            var record = JsonSerializer.Deserialize<SelectSpecialistsConsumer.SelectionRecord>(selection.Metadata!, AgentJson.Options)!;
            Assert.All(record.Selected, s => Assert.Contains(s.Type, kept));
            Assert.All((await platform.ModelCallsAsync(created.TaskId)).Where(u => u.AgentId == "agent_manager"),
                u => Assert.Equal("gpt-4o-managed", u.Model));
        }
        finally
        {
            foreach (var type in parked)
            {
                await admin.PatchAsJsonAsync($"/api/v1/agents/agent_{type}", new { status = "idle" }, JsonDefaults.Options, Ct);
            }
            await admin.PatchAsJsonAsync("/api/v1/agents/agent_manager", new { model = AgentRegistry.Find("manager")!.Model }, JsonDefaults.Options, Ct);
            await Task.Delay(TimeSpan.FromSeconds(11), Ct);
        }
    }
}
