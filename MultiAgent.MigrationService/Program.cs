using MultiAgent.Data;
using MultiAgent.MigrationService;

var builder = Host.CreateApplicationBuilder(args);

builder.AddServiceDefaults();
builder.AddMultiAgentDatabase();
builder.Services.AddMultiAgentIdentity();
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddScoped<AdminSeeder>();
builder.Services.AddHostedService<DatabaseMigrator>();
builder.Services.AddOpenTelemetry().WithTracing(tracing => tracing.AddSource(DatabaseMigrator.ActivitySourceName));

builder.Build().Run();
