using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using MultiAgent.Contracts;

namespace MultiAgent.Tests.EndToEnd;

/// <summary>A task's model usage and the platform's cost figures, as the Api serves them from the AiGateway's ledger.</summary>
[Collection(PlatformCollection.Name)]
[Trait("Category", "AppHost")]
public class UsageTests(PlatformFixture platform)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Owner_reads_a_tasks_usage_by_agent_and_model_others_get_404()
    {
        using var owner = await platform.CreateUserClientAsync();
        var created = await PlatformFixture.SubmitAsync(owner, "Usage report", "Compare three note-taking apps for students.");
        var done = await PlatformFixture.WaitForStatusAsync(owner, created.TaskId, t => t.Status.IsTerminal(), PlatformFixture.TaskTimeout);
        Assert.Equal(TaskStatus.Completed, done.Status);
        var calls = await platform.ModelCallsAsync(created.TaskId, atLeast: done.Usage.Calls);

        var usage = (await owner.GetFromJsonAsync<JsonObject>($"/api/v1/tasks/{created.TaskId}/usage", Ct))!;
        Assert.Equal(created.TaskId, usage["task_id"]!.GetValue<string>());
        Assert.Equal(calls.Count, usage["totals"]!["calls"]!.GetValue<int>());
        Assert.Equal(calls.Sum(c => c.InputTokens), usage["totals"]!["input_tokens"]!.GetValue<long>());
        Assert.True(usage["simulated"]!.GetValue<bool>());
        Assert.Equal("simulated", usage["providers"]!.AsArray().Single()!.GetValue<string>());
        var agents = usage["by_agent"]!.AsArray().Select(a => a!["agent_id"]!.GetValue<string>()).ToList();
        Assert.Contains("agent_manager", agents);
        Assert.Contains("agent_analyst", agents);
        Assert.NotEmpty(usage["by_model"]!.AsArray());
        Assert.Equal(done.Usage.TotalTokens, usage["totals"]!["total_tokens"]!.GetValue<int>());

        using var stranger = await platform.CreateUserClientAsync();
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.GetAsync($"/api/v1/tasks/{created.TaskId}/usage", Ct)).StatusCode);
        using var admin = await platform.CreateAdminClientAsync();
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync($"/api/v1/tasks/{created.TaskId}/usage", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await owner.GetAsync("/api/v1/tasks/not-a-task/usage", Ct)).StatusCode);
    }

    [Fact]
    public async Task Metrics_carry_model_cost_by_model_over_the_last_day()
    {
        using var user = await platform.CreateUserClientAsync();
        var created = await PlatformFixture.SubmitAsync(user, "Cost figures", "Outline a one-day workshop on accessibility.");
        await PlatformFixture.WaitForStatusAsync(user, created.TaskId, t => t.Status.IsTerminal(), PlatformFixture.TaskTimeout);
        await platform.ModelCallsAsync(created.TaskId);

        using var admin = await platform.CreateAdminClientAsync();
        var metrics = (await admin.GetFromJsonAsync<JsonObject>("/api/v1/metrics", Ct))!;
        var cost = metrics["cost"]!;
        Assert.Null(cost["error"]);
        Assert.True(cost["last24h_calls"]!.GetValue<int>() > 0);
        Assert.Equal(0m, cost["last24h_usd"]!.GetValue<decimal>()); // the simulated model costs nothing
        Assert.Contains(cost["by_model"]!.AsArray(), m => m!["provider"]!.GetValue<string>() == "simulated");
        Assert.NotEmpty(cost["hourly"]!.AsArray());
        Assert.NotNull(metrics["tasks"]);
    }
}
