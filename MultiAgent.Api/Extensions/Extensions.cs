using MassTransit;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection.Extensions;
using MultiAgent.Api.Agents;
using MultiAgent.Api.Apis;
using MultiAgent.Api.Auth;
using MultiAgent.Api.Health;
using MultiAgent.Api.RateLimiting;
using MultiAgent.Api.RealTime;
using MultiAgent.Api.Tasks;
using MultiAgent.Api.Usage;
using MultiAgent.Contracts;
using MultiAgent.Data;
using StackExchange.Redis;

public static class Extensions
{
    public const string RedisConnectionName = "redis";
    public const string RabbitMqConnectionName = "rabbitmq";

    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;

        builder.AddMultiAgentDatabase();
        builder.AddRedisClient(RedisConnectionName);

        services.ConfigureHttpJsonOptions(options => JsonDefaults.Configure(options.SerializerOptions));
        services.AddProblemDetails(options => options.CustomizeProblemDetails = Problems.Customize);
        // A request the server cannot read (bad route value, body over Kestrel's limit) keeps its 4xx instead of becoming a 500.
        services.Configure<ExceptionHandlerOptions>(options =>
            options.StatusCodeSelector = ex => ex is BadHttpRequestException bad ? bad.StatusCode : StatusCodes.Status500InternalServerError);
        services.AddOpenApi();

        services.AddHttpContextAccessor();
        services.AddMemoryCache();
        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<TaskApiOptions>().BindConfiguration(TaskApiOptions.SectionName);

        builder.AddPlatformAuthentication();
        services.AddOptions<RateLimitOptions>().BindConfiguration(RateLimitOptions.SectionName);
        services.AddSingleton<RateLimiter>();
        services.AddSingleton<RealtimeConnections>();
        services.AddScoped<CompletionEstimator>();
        services.AddScoped<TaskReader>();
        services.AddScoped<TaskResults>();
        services.AddScoped<AgentStatusReader>();
        services.AddSingleton<TaskLiveUpdates>();

        services.AddSignalR()
            .AddJsonProtocol(options => JsonDefaults.Configure(options.PayloadSerializerOptions))
            // The Redis backplane fans each group message out to the clients of every Api instance.
            .AddStackExchangeRedis(RequiredConnectionString(builder, RedisConnectionName),
                options => options.Configuration.ChannelPrefix = RedisChannel.Literal("multiagent-hub"));

        services.AddMassTransit(bus =>
        {
            bus.SetKebabCaseEndpointNameFormatter();
            bus.AddConsumer<TaskProgressRelay, TaskProgressRelayDefinition>();
            bus.UsingRabbitMq((context, cfg) =>
            {
                cfg.Host(new Uri(RequiredConnectionString(builder, RabbitMqConnectionName)));
                cfg.ConfigureEndpoints(context);
            });
        });

        builder.AddServiceProbes();
        builder.AddGatewayUsageClient();
    }

    private static string RequiredConnectionString(IHostApplicationBuilder builder, string name) =>
        builder.Configuration.GetConnectionString(name) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                $"Connection string '{name}' is missing. Run the Api from the AppHost, or set ConnectionStrings__{name}.");
}
