using MassTransit;
using MassTransit.Configuration;
using MassTransit.Saga;
using Microsoft.Extensions.Options;
using MultiAgent.Data;
using MultiAgent.Orchestrator.Agents;
using MultiAgent.Orchestrator.Agents.Analyst;
using MultiAgent.Orchestrator.Agents.Coordinator;
using MultiAgent.Orchestrator.Agents.Manager;
using MultiAgent.Orchestrator.Agents.Model;
using MultiAgent.Orchestrator.Agents.Specialists;
using MultiAgent.Orchestrator.Workflow;
using MultiAgent.Orchestrator.Workflow.Persistence;

namespace MultiAgent.Orchestrator.Extensions;

public static class Extensions
{
    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        // One transaction per saga message and per step's write, retried as a whole by the message retry policies. Hundreds of
        // steps wait on the model at once but each holds a connection only for its short read and write: a small pool serves them.
        builder.AddMultiAgentDatabase(retryOnFailure: false, maxPoolSize: 32);
        builder.AddRedisClient("redis");

        builder.Services.AddTaskWorkflowServices();
        builder.Services.AddOptions<WorkflowOptions>().Configure<IConfiguration>((options, configuration) =>
        {
            if (configuration.GetValue<int?>("Workflow:StepConcurrency") is > 0 and var concurrency) options.StepConcurrency = concurrency;
            if (configuration.GetValue<TimeSpan?>("Workflow:StallAfter") is { } stallAfter) options.StallAfter = stallAfter;
        });
        builder.Services.AddHostedService<PendingTaskSweeper>();
        builder.Services.AddHostedService<StalledWorkflowSweeper>();
        builder.Services.AddHostedService<ConsumerWatchdog>();
        builder.Services.AddHostedService<LegacyQueueMigration>();

        // Model calls go to the AiGateway. Transient failures are retried by the message retry policy,
        // so this client has no resilience handler of its own (that would multiply the retries).
        builder.Services.AddTransient<AgentCallHeadersHandler>();
#pragma warning disable EXTEXP0001 // Removing the default resilience handler is marked experimental; it is the documented way to opt out.
        builder.Services.AddHttpClient(AgentModels.HttpClientName, client => client.Timeout = TimeSpan.FromMinutes(5))
            .AddHttpMessageHandler<AgentCallHeadersHandler>()
            .RemoveAllResilienceHandlers();
#pragma warning restore EXTEXP0001
        AgentModels.RequireGatewayKey(builder.Configuration); // a missing AI:GatewayKey stops startup, not the first model call
        builder.Services.AddSingleton<IAgentModels, AgentModels>();

        builder.Services.AddMassTransit(bus =>
        {
            bus.SetKebabCaseEndpointNameFormatter();
            bus.AddTaskWorkflow();
            bus.UsingRabbitMq((context, rabbit) =>
            {
                rabbit.Host(new Uri(builder.Configuration.GetConnectionString("rabbitmq")
                    ?? throw new InvalidOperationException("The connection string 'rabbitmq' is missing; run the Orchestrator through the AppHost.")));
                rabbit.ConfigureEndpoints(context);
            });
        });
    }

    /// <summary>
    /// The workflow's services, whatever carries its messages: the saga's unit of work, the agents' chat, live agent status,
    /// cancellation. The model clients (<see cref="IAgentModels"/>) are registered by the host (the AiGateway, or a test's script).
    /// </summary>
    public static IServiceCollection AddTaskWorkflowServices(this IServiceCollection services)
    {
        services.AddOptions<WorkflowOptions>();
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<TaskCancellations>();
        services.AddHostedService(sp => sp.GetRequiredService<TaskCancellations>());
        services.AddScoped<TaskChanges>();
        services.AddScoped<AgentActivityTracker>();
        services.AddSingleton<AgentSettings>();
        services.AddHostedService(sp => sp.GetRequiredService<AgentSettings>());
        services.AddSingleton<AgentChat>();
        return services;
    }

    /// <summary>The saga (persisted by our EF Core/Npgsql repository) and one consumer per agent step.</summary>
    public static void AddTaskWorkflow(this IBusRegistrationConfigurator bus)
    {
        bus.AddSagaStateMachine<TaskWorkflowStateMachine, TaskWorkflowState, TaskWorkflowSagaDefinition>()
            .Repository(r => r.RegisterSagaRepository<TaskWorkflowState, MultiAgentDbContext,
                SagaConsumeContextFactory<MultiAgentDbContext, TaskWorkflowState>, WorkflowSagaRepositoryContextFactory>());

        bus.AddConsumer<AnalyzeTaskConsumer, AgentStepDefinition<AnalyzeTaskConsumer>>();
        bus.AddConsumer<SelectSpecialistsConsumer, AgentStepDefinition<SelectSpecialistsConsumer>>();
        bus.AddConsumer<DecomposeTaskConsumer, AgentStepDefinition<DecomposeTaskConsumer>>();
        bus.AddConsumer<ExecuteSubtaskConsumer, AgentStepDefinition<ExecuteSubtaskConsumer>>();
        bus.AddConsumer<ReviewSolutionConsumer, AgentStepDefinition<ReviewSolutionConsumer>>();
        bus.AddConsumer<CoordinateSolutionsConsumer, AgentStepDefinition<CoordinateSolutionsConsumer>>();
        bus.AddConsumer<SynthesizeAnswerConsumer, AgentStepDefinition<SynthesizeAnswerConsumer>>();
        bus.AddConsumer<ReviewFinalAnswerConsumer, AgentStepDefinition<ReviewFinalAnswerConsumer>>();
        bus.AddConsumer<PlanRevisionConsumer, AgentStepDefinition<PlanRevisionConsumer>>();
    }
}

/// <summary>
/// Agent steps: failures that may pass are retried after the configured intervals (the design document's 1, 2, 4, 8 and 16
/// seconds), messages are published only once the step has finished (in-memory outbox), so a crash never announces work
/// that was not stored, and queued steps are taken by task priority (RabbitMQ message priority).
/// </summary>
public sealed class AgentStepDefinition<TConsumer> : ConsumerDefinition<TConsumer> where TConsumer : class, IConsumer
{
    public AgentStepDefinition() =>
        EndpointName = KebabCaseEndpointNameFormatter.Instance.Consumer<TConsumer>() + StepQueues.Suffix;

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator, IConsumerConfigurator<TConsumer> consumerConfigurator,
        IRegistrationContext context)
    {
        var options = context.GetRequiredService<IOptions<WorkflowOptions>>().Value;
        endpointConfigurator.ConcurrentMessageLimit = options.StepConcurrency;
        endpointConfigurator.PrefetchCount = options.StepConcurrency;
        if (endpointConfigurator is IRabbitMqReceiveEndpointConfigurator rabbit)
        {
            rabbit.EnablePriority(MessagePriority.Max);
        }
        endpointConfigurator.UseMessageRetry(r => r.Intervals(options.RetryIntervals));
        endpointConfigurator.UseInMemoryOutbox(context);
    }
}

public static class StepQueues
{
    /// <summary>Suffix of the step queues. They declare x-max-priority, which a queue of the earlier version (same name, no
    /// priority) cannot be redeclared with: hence new names, and <see cref="LegacyQueueMigration"/> for the old ones.</summary>
    public const string Suffix = ".prioritized";
}
