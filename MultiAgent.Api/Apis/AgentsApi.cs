using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using MultiAgent.Api.Agents;
using MultiAgent.Api.Tasks;
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
        api.MapGet("/status", GetAgentStatus)
            .WithName("GetAgentStatus")
            .WithSummary("How many agents are available or busy, by type")
            .RequireAuthorization()
            .ProducesProblem(StatusCodes.Status401Unauthorized);

        return app;
    }

    public static async Task<Ok<AgentTypesResponse>> GetAgentTypes(MultiAgentDbContext db, CancellationToken cancellationToken)
    {
        var agents = await db.Agents.AsNoTracking()
            .OrderBy(a => a.AgentType)
            .Select(a => new { a.AgentType, a.Description, a.Capabilities, a.ModelConfig })
            .ToListAsync(cancellationToken);

        var types = agents
            .Select(a => new AgentTypeInfo(
                a.AgentType,
                a.Description,
                StoredJson.Strings(StoredJson.Parse(a.Capabilities)),
                StoredJson.String(StoredJson.Parse(a.ModelConfig), "role") ?? "specialist"))
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
