using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using MultiAgent.Api.Agents;
using MultiAgent.Api.Auth;
using StackExchange.Redis;
using MultiAgent.Api.Tasks;
using MultiAgent.Api.Usage;
using MultiAgent.Contracts.Api;
using MultiAgent.Data;

namespace MultiAgent.Api.Apis;

public static class AgentsApi
{
    public static IEndpointRouteBuilder MapAgentsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/agents").WithTags("Agents");

        // Public: the catalogue of agent types is the same for everyone and tells nothing about users or their tasks;
        // the sign-up page can show it before there is an account.
        api.MapGet("/types", GetAgentTypes)
            .WithName("GetAgentTypes")
            .WithSummary("The agent types and their capabilities")
            .AllowAnonymous();
        api.MapGet("/", GetAgents)
            .WithName("GetAgents")
            .WithSummary("Every agent with its live status (idle, busy or maintenance) and model settings")
            .RequireAuthorization()
            .ProducesProblem(StatusCodes.Status401Unauthorized);
        api.MapGet("/status", GetAgentStatus)
            .WithName("GetAgentStatus")
            .WithSummary("How many agents are available or busy, by type")
            .RequireAuthorization()
            .ProducesProblem(StatusCodes.Status401Unauthorized);

        // Admin only: take an agent out of service (the manager stops selecting it) or change its model settings.
        api.MapPatch("/{agentId}", UpdateAgent)
            .WithName("UpdateAgent")
            .WithSummary("Change an agent's status (idle or maintenance) or model settings (admin only)")
            .RequireAuthorization(AuthPolicies.Admin)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden);

        return app;
    }

    public static readonly string[] ManageableStatuses = ["idle", "maintenance"];

    public static async Task<Results<Ok<AgentDetails>, ValidationProblem, ProblemHttpResult>> UpdateAgent(
        string agentId, UpdateAgentRequest? request, MultiAgentDbContext db, IConnectionMultiplexer redis, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        if (request is null || (request.Status, request.Model, request.Temperature, request.MaxTokens) == (null, null, null, null))
            errors["body"] = ["Give at least one of status, model, temperature, max_tokens."];
        if (request?.Status is { } status && !ManageableStatuses.Contains(status))
            errors["status"] = [$"Status must be one of: {string.Join(", ", ManageableStatuses)}."];
        if (request?.Model is { } model && (string.IsNullOrWhiteSpace(model) || model.Length > 100))
            errors["model"] = ["Model must be 1 to 100 characters."];
        if (request?.Temperature is { } temperature && (double.IsNaN(temperature) || temperature is < 0 or > 2))
            errors["temperature"] = ["Temperature must be between 0 and 2."];
        if (request?.MaxTokens is { } maxTokens && maxTokens is < 1 or > 128_000)
            errors["max_tokens"] = ["max_tokens must be between 1 and 128000."];
        if (errors.Count > 0) return Problems.Validation(errors);

        var agent = await db.Agents.FirstOrDefaultAsync(a => a.AgentId == agentId, cancellationToken);
        if (agent is null)
        {
            return TypedResults.Problem(title: "Agent not found", detail: $"There is no agent '{agentId}'; GET /api/v1/agents/types lists them.",
                statusCode: StatusCodes.Status404NotFound);
        }

        agent.ModelConfig = agent.ModelConfig with
        {
            Model = request!.Model?.Trim() ?? agent.ModelConfig.Model,
            Temperature = request.Temperature ?? agent.ModelConfig.Temperature,
            MaxTokens = request.MaxTokens ?? agent.ModelConfig.MaxTokens,
        };
        if (request.Status is { } newStatus)
        {
            agent.Status = newStatus;
            if (newStatus == "maintenance") agent.CurrentTaskId = null;
        }
        agent.UpdatedAt = DateTime.UtcNow;
        await db.SaveChangesAsync(cancellationToken);

        try
        {
            if (request.Status is { } liveStatus)
            {
                await redis.GetDatabase().StringSetAsync(Contracts.RedisKeys.AgentStatus(agentId), liveStatus);
            }
            // The Orchestrator caches the agents' settings: tell it to read them again.
            await redis.GetSubscriber().PublishAsync(RedisChannel.Literal(Contracts.RedisKeys.AgentsChangedChannel), agentId);
        }
        catch (RedisException)
        {
            // The table is the record; the Orchestrator's cached copy catches up within seconds.
        }

        return TypedResults.Ok(new AgentDetails(agent.AgentId, agent.AgentType, agent.Status,
            agent.ModelConfig.Model, agent.ModelConfig.Temperature, agent.ModelConfig.MaxTokens));
    }

    public static async Task<Ok<AgentListResponse>> GetAgents(
        MultiAgentDbContext db, AgentStatusReader statusReader, CancellationToken cancellationToken)
    {
        var agents = await db.Agents.AsNoTracking()
            .OrderBy(a => a.AgentId)
            .Select(a => new { a.AgentId, a.AgentType, a.Status, a.ModelConfig })
            .ToListAsync(cancellationToken);
        var live = await statusReader.GetAsync(agents.Select(a => (a.AgentId, a.Status)).ToList());

        return TypedResults.Ok(new AgentListResponse(agents
            .Select(a => new AgentDetails(a.AgentId, a.AgentType, live[a.AgentId], a.ModelConfig.Model, a.ModelConfig.Temperature, a.ModelConfig.MaxTokens))
            .ToList()));
    }

    /// <summary>How long the agent types wait for the gateway's routes before answering without them.</summary>
    private static readonly TimeSpan RouteTimeout = TimeSpan.FromSeconds(2);

    public static async Task<Ok<AgentTypesResponse>> GetAgentTypes(MultiAgentDbContext db, GatewayUsageClient gateway,
        ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var agents = await db.Agents.AsNoTracking()
            .OrderBy(a => a.AgentType)
            .Select(a => new { a.AgentType, a.Description, a.Capabilities, a.ModelConfig })
            .ToListAsync(cancellationToken);

        // Where each type's calls go is the gateway's to say (routes are its configuration): asked once per model and role.
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(RouteTimeout);
        var pairs = agents.Select(a => (a.ModelConfig.Model, a.ModelConfig.Role)).Distinct().ToList();
        var resolved = await Task.WhenAll(pairs.Select(async pair =>
        {
            try
            {
                return await gateway.ResolveRouteAsync(pair.Model, pair.Role, timeout.Token);
            }
            catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or System.Text.Json.JsonException
                                       && !cancellationToken.IsCancellationRequested)
            {
                loggers.CreateLogger(typeof(AgentsApi).FullName!).LogWarning("The AI gateway did not say where {Role} calls for model {Model} go ({Error}); listed without a route",
                    pair.Role, pair.Model, ex.Message);
                return null;
            }
        }));
        var routes = pairs.Zip(resolved).Where(p => p.Second is not null).ToDictionary(p => p.First, p => p.Second!);

        var types = agents
            .Select(a => new AgentTypeInfo(a.AgentType, a.Description, a.Capabilities, a.ModelConfig.Role, a.ModelConfig.Model,
                routes.GetValueOrDefault((a.ModelConfig.Model, a.ModelConfig.Role))))
            .DistinctBy(a => a.Type)
            .OrderBy(a => RoleOrder(a.Role))
            .ToList();
        return TypedResults.Ok(new AgentTypesResponse(types));
    }

    public static async Task<Ok<AgentStatusResponse>> GetAgentStatus(
        MultiAgentDbContext db, AgentStatusReader statusReader, CancellationToken cancellationToken)
    {
        var agents = await db.Agents.AsNoTracking()
            .Select(a => new { a.AgentId, a.AgentType, a.Status })
            .ToListAsync(cancellationToken);
        var live = await statusReader.GetAsync(agents.Select(a => (a.AgentId, a.Status)).ToList());

        var byType = agents
            .GroupBy(a => a.AgentType)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .ToDictionary(
                g => g.Key,
                g => new AgentTypeStatus(
                    g.Count(a => live[a.AgentId] == AgentStatusReader.Idle),
                    g.Count(a => live[a.AgentId] == AgentStatusReader.Busy)));

        return TypedResults.Ok(new AgentStatusResponse(
            agents.Count,
            byType.Values.Sum(s => s.Available),
            byType.Values.Sum(s => s.Busy),
            byType));
    }

    private static int RoleOrder(string role) => role switch
    {
        "manager" => 0,
        "coordinator" => 1,
        "analyst" => 2,
        _ => 3,
    };
}
