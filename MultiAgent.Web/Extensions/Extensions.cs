using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.FluentUI.AspNetCore.Components;
using MultiAgent.Web.Services;
using MultiAgent.Web.Services.Auth;

namespace MultiAgent.Web;

internal static class Extensions
{
    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddSignIn();

        // Replace the service defaults' pipeline: a person is waiting on every call, and a retried POST could create a second task.
#pragma warning disable EXTEXP0001 // Experimental, but it is the supported way to override ConfigureHttpClientDefaults for one client.
        builder.Services.AddHttpClient<TasksApiClient>(http => http.BaseAddress = new Uri(ApiEndpoints.BaseAddress))
            .RemoveAllResilienceHandlers()
            .AddStandardResilienceHandler(ConfigureResilience);
        builder.Services.AddHttpClient<AuthApiClient>(http => http.BaseAddress = new Uri(ApiEndpoints.BaseAddress))
            .RemoveAllResilienceHandlers()
            .AddStandardResilienceHandler(ConfigureResilience);
#pragma warning restore EXTEXP0001

        builder.Services.AddFluentUIComponents();
        builder.Services.AddSingleton<ApiEndpoints>();
        builder.Services.AddMemoryCache();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddScoped<SimulatedModelIndicator>();
        builder.Services.AddScoped<TaskEventsClientFactory>();
        builder.Services.AddScoped<CircuitPresence>();
        builder.Services.AddScoped<Microsoft.AspNetCore.Components.Server.Circuits.CircuitHandler, CircuitPresenceHandler>();
    }

    /// <summary>
    /// The Web's own sign-in: a cookie (HttpOnly, never readable by scripts) with the user's claims and the Api tokens,
    /// the newest tokens per session on the server, and the circuit's user from that cookie.
    /// </summary>
    private static void AddSignIn(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<WebSessions>();
        builder.Services.AddScoped<SessionCookieEvents>();
        builder.Services.AddScoped<ApiTokenStore>();

        builder.Services.AddAuthentication(SessionCookie.Scheme)
            .AddCookie(SessionCookie.Scheme, options =>
            {
                options.Cookie.Name = "multiagent.session";
                options.Cookie.HttpOnly = true;
                options.Cookie.SameSite = SameSiteMode.Lax;
                options.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                options.LoginPath = SignInPaths.SignIn;
                options.LogoutPath = SignInPaths.SignOut;
                options.AccessDeniedPath = SignInPaths.Forbidden;
                options.ReturnUrlParameter = "returnUrl";
                options.ExpireTimeSpan = TimeSpan.FromHours(12);
                options.SlidingExpiration = true;
                options.EventsType = typeof(SessionCookieEvents);
            });
        builder.Services.AddAuthorization();
        builder.Services.AddCascadingAuthenticationState();
    }

    private static void ConfigureResilience(HttpStandardResilienceOptions options)
    {
        options.Retry.DisableForUnsafeHttpMethods();
        options.Retry.MaxRetryAttempts = 2;
        options.Retry.Delay = TimeSpan.FromMilliseconds(300);
        options.AttemptTimeout.Timeout = TimeSpan.FromSeconds(10);
        options.TotalRequestTimeout.Timeout = TimeSpan.FromSeconds(25);
    }
}
