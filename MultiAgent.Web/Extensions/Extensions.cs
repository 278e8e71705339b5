using Microsoft.Extensions.Http.Resilience;
using MultiAgent.Web.Services;

namespace MultiAgent.Web;

internal static class Extensions
{
    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<WebOptions>()
            .Bind(builder.Configuration.GetSection(WebOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();

        builder.Services.AddSingleton<ApiIdentity>();
        builder.Services.AddTransient<ApiIdentityHandler>();

        // Replace the service defaults' pipeline: a person is waiting on every call, and a retried POST could create a second task.
#pragma warning disable EXTEXP0001 // Experimental, but it is the supported way to override ConfigureHttpClientDefaults for one client.
        builder.Services.AddHttpClient<TasksApiClient>(http => http.BaseAddress = new Uri(ApiEndpoints.BaseAddress))
            .AddHttpMessageHandler<ApiIdentityHandler>()
            .RemoveAllResilienceHandlers()
            .AddStandardResilienceHandler(ConfigureResilience);
#pragma warning restore EXTEXP0001

        builder.Services.AddSingleton<ApiEndpoints>();
        builder.Services.AddMemoryCache();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddScoped<SimulatedModelIndicator>();
        builder.Services.AddSingleton<TaskEventsClientFactory>();
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
