using MultiAgent.AiGateway.Apis;
using MultiAgent.AiGateway.Extensions;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();

app.MapDefaultEndpoints();
app.MapChatCompletionsApi();

app.Run();
