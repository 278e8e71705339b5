using MultiAgent.AppHost.Infrastructure;

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

// The model gateway: the built-in simulated model unless AI:Provider names a real one.
var aiProvider = builder.Configuration["AI:Provider"] is { Length: > 0 } provider ? provider : "simulated";
// The key callers send the gateway as Authorization: Bearer. Generated on first run and kept in the AppHost's user
// secrets (Parameters:aigateway-api-key); a secret input of the manifest when publishing. Rotation: MultiAgent.AiGateway/README.md.
var aigatewayApiKey = builder.AddParameter("aigateway-api-key",
    new GenerateParameterDefault { MinLength = 40, Special = false }, secret: true, persist: true);
var aigateway = builder.AddProject<Projects.MultiAgent_AiGateway>("aigateway")
    .WithReference(db)
    .WithReference(redis)
    .WaitFor(db)
    .WaitFor(redis)
    .WaitForCompletion(migrations)
    .WithEnvironment("AI__Provider", aiProvider)
    .WithEnvironment("AiGateway__ApiKeys__0", aigatewayApiKey)
    .WithHttpHealthCheck("/health");

foreach (var setting in new[] { "BaseUrl", "Model" })
{
    if (builder.Configuration[$"AI:{setting}"] is { Length: > 0 } value)
    {
        aigateway.WithEnvironment($"AI__{setting}", value);
    }
}

if (!string.Equals(aiProvider, "simulated", StringComparison.OrdinalIgnoreCase))
{
    // Set it with: dotnet user-secrets --project MultiAgent.AppHost set Parameters:ai-api-key <key>
    var aiApiKey = builder.AddParameter("ai-api-key", secret: true);
    aigateway.WithEnvironment("AI__ApiKey", aiApiKey);
}

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
    .WithHttpHealthCheck("/health")
    .WithExternalHttpEndpoints();

builder.AddProject<Projects.MultiAgent_Orchestrator>("orchestrator")
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
    .WithHttpHealthCheck("/health");

builder.AddProject<Projects.MultiAgent_Web>("web")
    .WithReference(api)
    .WaitFor(api)
    .WithExternalHttpEndpoints();

builder.Build().Run();
