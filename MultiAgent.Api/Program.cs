using MultiAgent.Api.Apis;
using MultiAgent.Api.RealTime;
using Scalar.AspNetCore;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();

app.UseExceptionHandler();
app.UseStatusCodePages();

app.MapDefaultEndpoints();
app.MapOpenApi();
if (app.Environment.IsDevelopment())
{
    app.MapScalarApiReference();
}

app.MapTasksApi();
app.MapAgentsApi();
app.MapHealthApi();
app.MapTaskHub();

app.Run();
