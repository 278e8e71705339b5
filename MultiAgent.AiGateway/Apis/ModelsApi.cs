using System.Text.Json.Serialization;
using MultiAgent.AiGateway.Protocol;
using MultiAgent.AiGateway.Providers;
using MultiAgent.AiGateway.Routing;

namespace MultiAgent.AiGateway.Apis;

/// <summary>A model id as <c>GET /v1/models</c> lists it: a route (its fallback chain in <c>targets</c>) or a provider's model.</summary>
public sealed record RouteModelInfo(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("created")] long Created,
    [property: JsonPropertyName("owned_by")] string OwnedBy,
    [property: JsonPropertyName("targets"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<string>? Targets)
{
    [JsonPropertyName("object")]
    public string Object => "model";
}

/// <summary>Where a call for a model and an agent role goes (<c>GET /v1/routes/resolve</c>): the route, how it was chosen, its targets.</summary>
public sealed record RouteResolution(
    [property: JsonPropertyName("route")] string Route,
    [property: JsonPropertyName("match")] string Match,
    [property: JsonPropertyName("targets")] IReadOnlyList<string> Targets);

public sealed record RouteModelList([property: JsonPropertyName("data")] IReadOnlyList<RouteModelInfo> Data)
{
    [JsonPropertyName("object")]
    public string Object => "list";
}

/// <summary>
/// GET /v1/models: every route (<c>owned_by: "multiagent-route"</c>, with its ordered <c>targets</c>), then every
/// <c>provider/model</c> the routes name (<c>owned_by</c> the provider). Any of these ids is a valid request <c>model</c>.
/// </summary>
public static class ModelsApi
{
    private static readonly long Created = new DateTimeOffset(2024, 5, 13, 0, 0, 0, TimeSpan.Zero).ToUnixTimeSeconds();

    public static IEndpointRouteBuilder MapModelsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/v1").WithTags("OpenAI-compatible");
        api.MapGet("/models", (RouteTable routes) => Results.Json(new RouteModelList(Models(routes)), WireJson.Options));
        api.MapGet("/models/{**id}", (string id, RouteTable routes) =>
            Models(routes).FirstOrDefault(m => m.Id == id) is { } model
                ? Results.Json(model, WireJson.Options)
                : ChatCompletionsApi.Error(404, $"The model '{id}' does not exist; GET /v1/models lists the routes and models.", "invalid_request_error", "model", "model_not_found"));
        // Where a call would go, resolved as a chat completion is: for the Api's agent types (and anyone configuring routes).
        app.MapGet("/v1/routes/resolve", (string? model, string? role, RouteTable routes) =>
            string.IsNullOrWhiteSpace(model)
                ? ChatCompletionsApi.Error(400, "Give the model to resolve as ?model=... (and the agent role as &role=...).", "invalid_request_error", "model", "missing_required_parameter")
                : Results.Json(Describe(routes.Resolve(model.Trim(), role)), WireJson.Options))
            .WithTags("Routing");
        return app;
    }

    public static RouteResolution Describe(ResolvedRoute route) =>
        new(route.Name, route.Match.ToString().ToLowerInvariant(), [.. route.Targets.Select(t => t.ToString())]);

    public static List<RouteModelInfo> Models(RouteTable routes)
    {
        var list = routes.Routes
            .OrderBy(r => r.Name, StringComparer.Ordinal)
            .Select(r => new RouteModelInfo(r.Name, Created, "multiagent-route", r.Targets.Select(t => t.ToString()).ToList()))
            .ToList();
        list.AddRange(routes.Routes.SelectMany(r => r.Targets).Where(t => t.Model is not null)
            .Select(t => t.ToString()).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)
            .Select(id => new RouteModelInfo(id, Created, id[..id.IndexOf('/')], null)));
        return list;
    }
}
