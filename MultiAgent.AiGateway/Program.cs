using MultiAgent.AiGateway.Apis;
using MultiAgent.AiGateway.Extensions;
using MultiAgent.AiGateway.Security;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();

app.MapDefaultEndpoints();
// Bearer keys on /v1/* (OpenAI's way); /health and /alive stay open.
app.UseGatewayApiKeys();
app.MapChatCompletionsApi();

app.Run();
