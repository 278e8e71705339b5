using Microsoft.Extensions.Options;
using MultiAgent.AiGateway.Providers;
using MultiAgent.AiGateway.Security;
using MultiAgent.AiGateway.Usage;
using MultiAgent.Data;

namespace MultiAgent.AiGateway.Extensions;

public static class Extensions
{
    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;

        // AI:* — provider, endpoint, model override, key, prices, simulated-model knobs. Invalid configuration fails startup.
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

        // Calls to an OpenAI-compatible upstream. Without the standard resilience handler of the service defaults:
        // its 10 s attempt timeout would cut long generations short, and its retries would repeat what callers retry
        // (429/503 are passed through to them with Retry-After).
#pragma warning disable EXTEXP0001 // RemoveAllResilienceHandlers is marked experimental; it is the documented way to opt a client out.
        services.AddHttpClient(ModelProvider.UpstreamHttpClientName, http => http.Timeout = Timeout.InfiniteTimeSpan)
            .RemoveAllResilienceHandlers();
#pragma warning restore EXTEXP0001
        services.AddSingleton(ModelProvider.Create);
        services.AddSingleton<PriceTable>();

        // ai_api_usage rows.
        builder.AddMultiAgentDatabase();
        services.AddSingleton<IUsageRecorder, DbUsageRecorder>();

        services.AddHealthChecks().AddCheck<ProviderHealthCheck>("ai-provider");
    }
}
