using MultiAgent.AiGateway.Apis;
using MultiAgent.AiGateway.Extensions;
using MultiAgent.AiGateway.Ledger;
using MultiAgent.AiGateway.Security;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();

// The ledger's database and tables, before the first call can be billed (safe with several replicas starting at once).
await app.MigrateLedgerAsync();

app.MapDefaultEndpoints();
// Bearer keys on /v1/* (OpenAI's way); /health and /alive stay open.
app.UseGatewayApiKeys();
app.MapChatCompletionsApi();
app.MapModelsApi();
app.MapUsageApi();

app.Run();
