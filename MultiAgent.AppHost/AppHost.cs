using MultiAgent.AppHost.Infrastructure;
using MultiAgent.AppHost;

// The MultiAgent platform, as Aspire runs it locally and publishes it for deployment.
// Backing services run as containers or as local processes (Infrastructure:Mode = auto | containers | processes,
// see docs/infrastructure.md); the services below cannot tell which.
var builder = DistributedApplication.CreateBuilder(args);

// Backing services
var postgres = builder.AddMultiAgentPostgres("postgres");
var db = postgres.AddDatabase("multiagentdb");
var redis = builder.AddMultiAgentRedis("redis");
var rabbitmq = builder.AddMultiAgentRabbitMQ("rabbitmq");

// Sign-in: the Api's JWT signing key and the admin's password, generated on first run and kept in the AppHost's
// user secrets (Parameters:jwt-signing-key, Parameters:admin-password); the dashboard shows them under Parameters.
var jwtSigningKey = builder.AddParameter("jwt-signing-key",
    new GenerateParameterDefault { MinLength = 64, Special = false }, secret: true, persist: true);
var adminPassword = builder.AddParameter("admin-password",
    new GenerateParameterDefault { MinLength = 24, MinLower = 1, MinUpper = 1, MinNumeric = 1, MinSpecial = 1 }, secret: true, persist: true);

// Applies the EF Core migrations (creating the database when missing), seeds the admin account, then exits.
var migrations = builder.AddProject<Projects.MultiAgent_MigrationService>("migrations")
    .WithReference(db)
    .WaitFor(db)
    .WithEnvironment("Auth__AdminPassword", adminPassword)
    .WithEnvironment("Auth__AdminEmail", builder.Configuration["Auth:AdminEmail"] is { Length: > 0 } adminEmail ? adminEmail : "admin@multiagent.local");

// The model gateway: routes per agent role to providers (the built-in simulated model unless AI:Providers/AI:Routes say
// otherwise), with its own ledger database on the same server. Every AI:* setting of the AppHost is passed on to it;
// each provider's key is the secret parameter ai-<provider>-api-key (MultiAgent.AiGateway/README.md).
var aigatewayDb = postgres.AddDatabase("aigatewaydb");
// The key callers send the gateway as Authorization: Bearer. Generated on first run and kept in the AppHost's user
// secrets (Parameters:aigateway-api-key); a secret input of the manifest when publishing. Rotation: MultiAgent.AiGateway/README.md.
var aigatewayApiKey = builder.AddParameter("aigateway-api-key",
    new GenerateParameterDefault { MinLength = 40, Special = false }, secret: true, persist: true);
var aigateway = builder.AddProject<Projects.MultiAgent_AiGateway>("aigateway")
    .WithReference(aigatewayDb)
    .WithReference(redis)
    .WaitFor(aigatewayDb)
    .WaitFor(redis)
    .WithEnvironment("AiGateway__ApiKeys__0", aigatewayApiKey)
    .WithAiConfiguration(builder)
    .WithSettings(builder.Configuration, "Telemetry")
    .WithReplicas(builder.Configuration.GatewayReplicas())
    .WithHttpHealthCheck("/health")
    .WithRestartOnCrash();

var api = builder.AddProject<Projects.MultiAgent_Api>("api")
    .WithReference(db)
    .WithReference(redis)
    .WithReference(rabbitmq)
    .WithReference(aigateway)
    .WaitFor(db)
    .WaitFor(redis)
    .WaitFor(rabbitmq)
    .WaitForCompletion(migrations)
    .WithEnvironment("Auth__SigningKey", jwtSigningKey)
    .WithEnvironment("AiGateway__ApiKey", aigatewayApiKey)
    .WithSettings(builder.Configuration, "Telemetry", "RateLimits")
    .WithHttpHealthCheck("/health")
    .WithRestartOnCrash()
    .WithExternalHttpEndpoints();

var orchestrator = builder.AddProject<Projects.MultiAgent_Orchestrator>("orchestrator")
    .WithReference(db)
    .WithReference(redis)
    .WithReference(rabbitmq)
    .WithReference(aigateway)
    .WaitFor(db)
    .WaitFor(redis)
    .WaitFor(rabbitmq)
    .WaitFor(aigateway)
    .WaitForCompletion(migrations)
    .WithEnvironment("AI__GatewayKey", aigatewayApiKey)
    // Workflow:StepConcurrency and the like; Orchestrator:Replicas runs several Orchestrators on the same queues.
    .WithSettings(builder.Configuration, "Telemetry", "Workflow")
    .WithHttpHealthCheck("/health")
    .WithRestartOnCrash();
// The broker's management API lets the Orchestrator see that its queues still have their consumers (ConsumerWatchdog).
if (builder.ExecutionContext.IsRunMode && rabbitmq.Resource is IResourceWithEndpoints broker)
{
    orchestrator.WithEnvironment("RabbitMQ__ManagementUrl", broker.GetEndpoint("management"));
}
if (builder.Configuration.Replicas("Orchestrator") is > 1 and var orchestrators)
{
    orchestrator.WithReplicas(orchestrators);
}

builder.AddProject<Projects.MultiAgent_Web>("web")
    .WithReference(api)
    .WithSettings(builder.Configuration, "Telemetry")
    .WaitFor(api)
    .WithRestartOnCrash()
    .WithExternalHttpEndpoints();

builder.Build().Run();
