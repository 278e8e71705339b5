using Microsoft.Extensions.Options;
using MultiAgent.Api.Apis;
using MultiAgent.Api.Auth;
using MultiAgent.Api.RateLimiting;
using MultiAgent.Api.RealTime;
using Scalar.AspNetCore;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();

app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseAuthentication();
app.UseApiRateLimits();
app.UseAuthorization();

app.MapDefaultEndpoints();
app.MapOpenApi();
if (app.Environment.IsDevelopment())
{
    app.MapScalarApiReference();
}

if (!app.Services.GetRequiredService<IOptions<AuthOptions>>().Value.UsesExternalAuthority)
{
    app.MapAuthApi();
}
app.MapTasksApi();
app.MapTaskHistoryApi();
app.MapAgentsApi();
app.MapUsersApi();
app.MapHealthApi();
app.MapUsageApi();
app.MapTaskHub();
app.MapUserLookupApi();

app.Run();
