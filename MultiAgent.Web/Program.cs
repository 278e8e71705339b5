using MultiAgent.Web;
using MultiAgent.Web.Components;
using MultiAgent.Web.Services.Auth;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();

builder.Services.AddRazorComponents()
    .AddInteractiveServerComponents()
    // A deliberate limit (default 32 KB): a 10,000-character description can take 60 KB as JSON (\uXXXX escapes), and a
    // message over the limit drops the circuit. Inputs still carry a maxlength, and long text is bound on change, not per key.
    .AddHubOptions(options => options.MaximumReceiveMessageSize = 128 * 1024);

var app = builder.Build();

if (!app.Environment.IsDevelopment())
{
    app.UseExceptionHandler("/error", createScopeForErrors: true);
}

app.UseStatusCodePagesWithReExecute("/not-found", createScopeForStatusCodePages: true);
app.UseAuthentication();
app.UseAuthorization();
app.UseAntiforgery();

app.MapStaticAssets();
app.MapRazorComponents<App>()
    .AddInteractiveServerRenderMode();

app.MapAuthEndpoints();
app.MapDefaultEndpoints();

app.Run();
