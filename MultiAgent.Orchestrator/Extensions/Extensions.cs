using MassTransit;
using MassTransit.Configuration;
using MassTransit.Saga;
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
        builder.AddMultiAgentDatabase();
        builder.AddRedisClient("redis");

        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<TaskCancellations>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<TaskCancellations>());
        builder.Services.AddScoped<TaskProgressWriter>();
        builder.Services.AddScoped<AgentActivityTracker>();
        builder.Services.AddHostedService<PendingTaskSweeper>();

        // Model calls go to the AiGateway. Transient failures are retried by the message retry policy,
        // so this client has no resilience handler of its own (that would multiply the retries).
        builder.Services.AddTransient<AgentCallHeadersHandler>();
#pragma warning disable EXTEXP0001 // Removing the default resilience handler is marked experimental; it is the documented way to opt out.
        builder.Services.AddHttpClient(AgentModels.HttpClientName, client => client.Timeout = TimeSpan.FromMinutes(5))
            .AddHttpMessageHandler<AgentCallHeadersHandler>()
            .RemoveAllResilienceHandlers();
#pragma warning restore EXTEXP0001
        AgentModels.RequireGatewayKey(builder.Configuration); // a missing AI:GatewayKey stops startup, not the first model call
        builder.Services.AddSingleton<AgentModels>();
        builder.Services.AddSingleton<AgentSettings>();
        builder.Services.AddSingleton<AgentChat>();

        builder.Services.AddMassTransit(bus =>
        {
            bus.SetKebabCaseEndpointNameFormatter();

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
            bus.AddConsumer<CompleteTaskConsumer, AgentStepDefinition<CompleteTaskConsumer>>();
            bus.AddConsumer<FailTaskConsumer, AgentStepDefinition<FailTaskConsumer>>();

            bus.UsingRabbitMq((context, rabbit) =>
            {
                rabbit.Host(new Uri(builder.Configuration.GetConnectionString("rabbitmq")
                    ?? throw new InvalidOperationException("The connection string 'rabbitmq' is missing; run the Orchestrator through the AppHost.")));
                rabbit.ConfigureEndpoints(context);
            });
        });
    }
}

/// <summary>
/// Agent steps: transient failures retried after 1, 2, 4, 8 and 16 seconds (the design document's backoff), and messages
/// published only once the step has finished (in-memory outbox), so a crash never announces work that was not stored.
/// </summary>
public sealed class AgentStepDefinition<TConsumer> : ConsumerDefinition<TConsumer> where TConsumer : class, IConsumer
{
    public AgentStepDefinition() => ConcurrentMessageLimit = 8;

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator, IConsumerConfigurator<TConsumer> consumerConfigurator,
        IRegistrationContext context)
    {
        endpointConfigurator.UseMessageRetry(r => r.Intervals(AgentRetry.Intervals));
        endpointConfigurator.UseInMemoryOutbox(context);
    }
}
