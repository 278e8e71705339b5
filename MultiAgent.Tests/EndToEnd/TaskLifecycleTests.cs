using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using MultiAgent.Contracts;
using MultiAgent.Contracts.Api;

namespace MultiAgent.Tests.EndToEnd;

[Trait("Category", "AppHost")]
[Collection(PlatformCollection.Name)]
[Trait("Category", "AppHost")]
public class TaskLifecycleTests(PlatformFixture platform)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Submitted_task_flows_through_every_agent_stage_to_a_stored_final_answer()
    {
        var user = await platform.RegisterUserAsync();
        using var api = platform.CreateClient(user.Tokens.AccessToken);

        var created = await PlatformFixture.SubmitAsync(api, "Analyze market trends for Q4",
            "Analyze Q4 financial trends for the consumer electronics market and predict the market movements for next year.",
            new { domain = "finance", deadline = "2026-12-31", constraints = new[] { "use recent data only" } });
        Assert.StartsWith(Ids.TaskPrefix, created.TaskId);
        Assert.Equal(TaskStatus.Pending, created.Status);
        Assert.NotNull(created.EstimatedCompletion);

        var done = await PlatformFixture.WaitForStatusAsync(api, created.TaskId, t => t.Status.IsTerminal(), PlatformFixture.TaskTimeout);
        Assert.True(done.Status == TaskStatus.Completed, $"Task ended {done.Status}: {done.Error}");
        Assert.Equal(100, done.Progress);
        Assert.Equal(TaskStage.Completed, done.CurrentStage);
        Assert.Equal(user.UserId, done.UserId);
        Assert.NotEmpty(done.Subtasks);
        Assert.True(done.Usage.Simulated);
        Assert.True(done.Usage.TotalTokens > 0);

        var result = await api.GetFromJsonAsync<TaskResultResponse>($"/api/v1/tasks/{created.TaskId}/result", JsonDefaults.Options, Ct);
        Assert.NotNull(result);
        Assert.Equal(TaskStatus.Completed, result.Status);
        Assert.NotNull(result.Result);
        Assert.Contains("## Executive summary", result.Result.FinalAnswer);
        Assert.InRange(result.Result.Confidence, 0.01, 1.0);
        Assert.NotEmpty(result.Result.Sources);
        Assert.True(result.Result.Simulated);
        Assert.NotNull(result.CompletedAt);

        await using var db = await platform.CreateDbContextAsync();
        var taskId = created.TaskId;

        var subtasks = await db.Subtasks.Where(s => s.TaskId == taskId).ToListAsync(Ct);
        Assert.InRange(subtasks.Count, 2, 8);
        Assert.All(subtasks, s =>
        {
            Assert.Equal(SubtaskStatus.Completed, s.Status);
            Assert.Equal(AcceptanceStatus.Accepted, s.AcceptanceStatus);
            Assert.NotNull(s.AssignedAgentId);
            Assert.False(string.IsNullOrWhiteSpace(s.Result));
        });

        var solutions = await db.Solutions.Where(s => s.TaskId == taskId).ToListAsync(Ct);
        foreach (var subtask in subtasks)
        {
            Assert.Contains(solutions, s => s.SubtaskId == subtask.SubtaskId && s.SolutionType == SolutionTypes.Subtask && s.IsAccepted);
        }
        Assert.Single(solutions, s => s.SolutionType == SolutionTypes.Coordination);
        Assert.Contains(solutions, s => s.SolutionType == SolutionTypes.Synthesis && s.IsAccepted);
        var final = Assert.Single(solutions, s => s.SolutionType == SolutionTypes.Final);
        Assert.Equal(result.Result.FinalAnswer, final.Content);

        var interactionTypes = await db.Interactions.Where(i => i.TaskId == taskId).Select(i => i.InteractionType).Distinct().ToListAsync(Ct);
        foreach (var expected in new[]
                 {
                     InteractionTypes.TaskAnalysis, InteractionTypes.SpecialistSelection, InteractionTypes.SubtaskCreation,
                     InteractionTypes.SubtaskAssignment, InteractionTypes.SolutionSubmission, InteractionTypes.SolutionReview,
                     InteractionTypes.Coordination, InteractionTypes.Synthesis, InteractionTypes.FinalReview,
                 })
        {
            Assert.Contains(expected, interactionTypes);
        }

        var usage = await platform.ModelCallsAsync(taskId, atLeast: 6 + 2 * subtasks.Count);
        // One call per step at least: analysis, selection, decomposition, per subtask solve + review, coordination, synthesis, final review.
        Assert.True(usage.Count >= 6 + 2 * subtasks.Count, $"expected at least {6 + 2 * subtasks.Count} model calls, saw {usage.Count}");
        Assert.All(usage, u =>
        {
            Assert.Equal("simulated", u.Provider);
            Assert.True(u.InputTokens > 0 && u.OutputTokens > 0);
            Assert.Equal(0m, u.CostUsd);
            Assert.NotNull(u.AgentId);
        });
        Assert.Contains(usage, u => u.AgentId == "agent_manager");
        Assert.Contains(usage, u => u.AgentId == "agent_coordinator");
        Assert.Contains(usage, u => u.AgentId == "agent_analyst");

        var workflow = await db.TaskWorkflows.SingleAsync(w => w.TaskId == taskId, Ct);
        Assert.Equal("Completed", workflow.CurrentState);

        var agents = await api.GetFromJsonAsync<TaskAgentsResponse>($"/api/v1/tasks/{taskId}/agents", JsonDefaults.Options, Ct);
        var manager = Assert.Single(agents!.Agents, a => a.Type == AgentTypes.Manager);
        Assert.Contains(manager.Activities, a => a.Action == InteractionTypes.TaskAnalysis);
        Assert.Equal(manager.Activities.OrderBy(a => a.Timestamp).Select(a => a.Timestamp), manager.Activities.Select(a => a.Timestamp));
    }

    [Fact]
    public async Task Invalid_task_is_refused_with_field_errors_and_nothing_is_written()
    {
        var user = await platform.RegisterUserAsync();
        using var api = platform.CreateClient(user.Tokens.AccessToken);

        var response = await api.PostAsJsonAsync("/api/v1/tasks", new { title = "", description = "too short", priority = "whenever" }, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        var errors = problem.RootElement.GetProperty("errors");
        Assert.True(errors.TryGetProperty("title", out _));
        Assert.True(errors.TryGetProperty("description", out _));
        Assert.True(errors.TryGetProperty("priority", out _));

        var malformed = await api.PostAsync("/api/v1/tasks", new StringContent("{\"title\": ", System.Text.Encoding.UTF8, "application/json"), Ct);
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);

        await using var db = await platform.CreateDbContextAsync();
        Assert.False(await db.Tasks.AnyAsync(t => t.UserId == user.UserId, Ct));
    }

    [Fact]
    public async Task Another_users_task_is_not_found()
    {
        using var owner = await platform.CreateUserClientAsync();
        using var stranger = await platform.CreateUserClientAsync();
        var created = await PlatformFixture.SubmitAsync(owner, "Owner's private task",
            "Summarise the owner's private research notes into a short briefing for the team.");

        Assert.Equal(HttpStatusCode.NotFound, (await stranger.GetAsync($"/api/v1/tasks/{created.TaskId}", Ct)).StatusCode);
        var list = await stranger.GetFromJsonAsync<TaskListResponse>("/api/v1/tasks", JsonDefaults.Options, Ct);
        Assert.DoesNotContain(list!.Tasks, t => t.TaskId == created.TaskId);
        Assert.Contains((await owner.GetFromJsonAsync<TaskListResponse>("/api/v1/tasks", JsonDefaults.Options, Ct))!.Tasks, t => t.TaskId == created.TaskId);
    }

    [Fact]
    public async Task Health_reports_every_dependency_healthy_and_agent_types_are_listed()
    {
        using var api = await platform.CreateUserClientAsync();
        var health = await api.GetFromJsonAsync<HealthResponse>("/api/v1/health", JsonDefaults.Options, Ct);
        Assert.Equal("healthy", health!.Status);
        foreach (var service in new[] { "database", "redis", "ai_service", "message_queue" })
        {
            Assert.Equal("healthy", health.Services[service]);
        }

        var types = await api.GetFromJsonAsync<AgentTypesResponse>("/api/v1/agents/types", JsonDefaults.Options, Ct);
        Assert.Contains(types!.AgentTypes, t => t.Type == AgentTypes.Manager);
        Assert.Contains(types.AgentTypes, t => t.Type == AgentTypes.Coordinator);
        Assert.Contains(types.AgentTypes, t => t.Type == AgentTypes.Analyst);
        Assert.True(types.AgentTypes.Count(t => t.Role == "specialist") >= 8);
        // Each type says which model it asks for and, from the gateway, where those calls go (the simulated model here).
        Assert.All(types.AgentTypes, t =>
        {
            Assert.False(string.IsNullOrEmpty(t.Model), $"{t.Type} has no model.");
            Assert.NotNull(t.Route);
            Assert.Contains(t.Route.Targets, target => target.StartsWith("simulated/", StringComparison.Ordinal));
        });
    }
}
