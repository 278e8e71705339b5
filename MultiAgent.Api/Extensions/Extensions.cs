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
using MultiAgent.Contracts.Messages;
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
        services.AddScoped<TaskHistoryReader>();
        services.AddScoped<TaskResults>();
        services.AddScoped<AgentStatusReader>();
        services.AddSingleton<ITaskSnapshots, TaskSnapshots>();
        services.AddSingleton<TaskEventStream>();

        // No backplane: every Api instance receives every task event (TaskEventRelay) and sends it to its own connections.
        services.AddSignalR().AddJsonProtocol(options => JsonDefaults.Configure(options.PayloadSerializerOptions));

        services.AddMassTransit(bus =>
        {
            bus.SetKebabCaseEndpointNameFormatter();
            // The Api asks the workflow (request/response) to cancel or revise a task; it never writes a task's status itself.
            bus.AddRequestClient<CancelTask>(RequestTimeout.After(s: 15));
            bus.AddRequestClient<ReviseTask>(RequestTimeout.After(s: 15));
            bus.AddConsumer<TaskEventRelay>().Endpoint(endpoint =>
            {
                endpoint.Name = $"api-task-events-{Environment.MachineName.ToLowerInvariant()}-{Guid.NewGuid():N}";
                endpoint.Temporary = true;
            });
            bus.UsingRabbitMq((context, cfg) =>
            {
                cfg.Host(new Uri(RequiredConnectionString(builder, RabbitMqConnectionName)));
                cfg.ConfigureEndpoints(context);
            });
        });
        services.AddHostedService<LegacyRelayQueueCleanup>();

        builder.AddServiceProbes();
        builder.AddGatewayUsageClient();
    }

    private static string RequiredConnectionString(IHostApplicationBuilder builder, string name) =>
        builder.Configuration.GetConnectionString(name) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                $"Connection string '{name}' is missing. Run the Api from the AppHost, or set ConnectionStrings__{name}.");
}
