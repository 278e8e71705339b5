using Microsoft.Extensions.Options;
using MultiAgent.AiGateway.Budgets;
using MultiAgent.AiGateway.Caching;
using MultiAgent.AiGateway.Idempotency;
using MultiAgent.AiGateway.Ledger;
using MultiAgent.AiGateway.Limits;
using MultiAgent.AiGateway.Pipeline;
using MultiAgent.AiGateway.Providers;
using MultiAgent.AiGateway.Routing;
using MultiAgent.AiGateway.Security;

namespace MultiAgent.AiGateway.Extensions;

public static class Extensions
{
    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;

        // AI:* — providers, routes, prices, cache, budgets, telemetry, simulated-model knobs. Invalid configuration fails startup.
        services.AddOptions<AiGatewayOptions>()
            .Bind(builder.Configuration.GetSection(AiGatewayOptions.SectionName))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<AiGatewayOptions>, AiGatewayOptionsValidator>();

        // AiGateway:ApiKeys:* — the keys callers send as Authorization: Bearer on /v1/*. None configured fails startup.
        services.AddOptions<GatewayKeyOptions>()
            .Bind(builder.Configuration.GetSection(GatewayKeyOptions.SectionName))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<GatewayKeyOptions>, GatewayKeyOptionsValidator>();
        services.AddSingleton(sp => new GatewayKeyChecker(sp.GetRequiredService<IOptions<GatewayKeyOptions>>().Value.ApiKeys));

        services.AddSingleton(TimeProvider.System);

        // Providers (each an IChatClient with its own HttpClient: no standard resilience handler, the executor retries),
        // the routes over them, and the executor that walks a route's fallback chain.
        services.AddSingleton<ProviderRegistry>();
        services.AddSingleton(sp => new RouteTable(
            sp.GetRequiredService<IOptions<AiGatewayOptions>>().Value.Routes,
            sp.GetRequiredService<ProviderRegistry>().All.Select(p => p.Name)));
        services.AddSingleton<ChatExecutor>();
        services.AddSingleton<PriceTable>();

        // Redis, shared by every replica: RPM/TPM limits, the response cache, budgets, idempotency keys.
        builder.AddRedisClient("redis");
        services.AddSingleton<RedisRateLimiter>();
        services.AddSingleton<ResponseCache>();
        services.AddSingleton<BudgetService>();
        services.AddSingleton<IdempotencyStore>();

        // The usage ledger: the gateway's own database (aigatewaydb), written in batches off the request path.
        builder.AddNpgsqlDbContext<LedgerDbContext>(LedgerDbContext.ConnectionName);
        services.AddSingleton<LedgerWriter>();
        services.AddHostedService(sp => sp.GetRequiredService<LedgerWriter>());
        services.AddScoped<UsageQueries>();

        services.AddHealthChecks().AddCheck<ProviderHealthCheck>("ai-providers");
    }
}
