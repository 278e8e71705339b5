using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using Microsoft.Extensions.Configuration;
using OpenTelemetry.Trace;

namespace Microsoft.Extensions.Hosting;

// Adds the common Aspire services: service discovery, resilience, health checks, and OpenTelemetry.
public static class Extensions
{
    private const string HealthEndpointPath = "/health";
    private const string AlivenessEndpointPath = "/alive";

    /// <summary>
    /// <c>Telemetry:DetailedSpans</c>: also trace every database command, Redis command and task-event message. Off by
    /// default: a task's trace then holds the spans a person follows (requests, each step's message, each model call).
    /// </summary>
    public const string DetailedSpansSetting = "Telemetry:DetailedSpans";

    // Activity sources of the libraries we use that do not come with an instrumentation package here.
    private static readonly string[] TraceSources =
    [
        "MassTransit",
        "Experimental.Microsoft.Extensions.AI",
        "Microsoft.Extensions.AI",
        "MultiAgent.*",
    ];

    // One span per database or Redis command: useful when chasing a query, noise otherwise.
    private static readonly string[] DetailedTraceSources =
    [
        "Npgsql",
        "Microsoft.EntityFrameworkCore",
        "OpenTelemetry.Instrumentation.StackExchangeRedis",
    ];

    private static readonly string[] MeterNames =
    [
        "MassTransit",
        "Npgsql",
        "Microsoft.EntityFrameworkCore",
        "Experimental.Microsoft.Extensions.AI",
        "Microsoft.Extensions.AI",
        "MultiAgent.*",
    ];

    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.ConfigureOpenTelemetry();
        builder.AddDefaultHealthChecks();
        builder.Services.AddServiceDiscovery();
        builder.Services.ConfigureHttpClientDefaults(http =>
        {
            http.AddStandardResilienceHandler();
            http.AddServiceDiscovery();
        });
        return builder;
    }

    public static TBuilder ConfigureOpenTelemetry<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        var detailed = builder.Configuration.GetValue(DetailedSpansSetting, false);
        if (!detailed)
        {
            // The Aspire client integrations (Npgsql, Redis) trace each command unless told not to; an explicit setting wins.
            var quiet = new Dictionary<string, string?>();
            foreach (var key in new[] { "Aspire:Npgsql:EntityFrameworkCore:PostgreSQL:DisableTracing", "Aspire:Npgsql:DisableTracing",
                         "Aspire:StackExchange:Redis:DisableTracing" })
            {
                if (builder.Configuration[key] is null) quiet[key] = "true";
            }
            builder.Configuration.AddInMemoryCollection(quiet);
        }

        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
        });

        builder.Services.AddOpenTelemetry()
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddMeter(MeterNames))
            .WithTracing(tracing => tracing
                .SetSampler(new QuietSampler(detailed))
                .AddSource(builder.Environment.ApplicationName)
                .AddSource(TraceSources)
                .AddSource(detailed ? DetailedTraceSources : [])
                .AddAspNetCoreInstrumentation(options =>
                    // Health probes would drown the task traces in the dashboard.
                    options.Filter = context =>
                        !context.Request.Path.StartsWithSegments(HealthEndpointPath)
                        && !context.Request.Path.StartsWithSegments(AlivenessEndpointPath))
                .AddHttpClientInstrumentation());

        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            builder.Services.AddOpenTelemetry().UseOtlpExporter();
        }

        return builder;
    }

    public static TBuilder AddDefaultHealthChecks<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddHealthChecks()
            .AddCheck("self", () => HealthCheckResult.Healthy(), ["live"]);
        return builder;
    }

    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        // Health endpoints are mapped in every environment: the AppHost waits on them and Azure Container Apps probes them.
        // They reveal only Healthy/Unhealthy, no details.
        app.MapHealthChecks(HealthEndpointPath);
        app.MapHealthChecks(AlivenessEndpointPath, new HealthCheckOptions
        {
            Predicate = r => r.Tags.Contains("live")
        });
        return app;
    }
}

/// <summary>
/// Records every span except, unless detailed spans are on, the messages that carry task events to live subscribers (a dozen
/// per saga step, each with its own publish and consume span): the state change they announce is already in the trace.
/// Otherwise follows the parent's decision, like the default sampler.
/// </summary>
internal sealed class QuietSampler(bool detailed) : Sampler
{
    private static readonly Sampler Default = new ParentBasedSampler(new AlwaysOnSampler());

    public override SamplingResult ShouldSample(in SamplingParameters parameters)
    {
        if (!detailed && IsTaskEventMessage(parameters)) return new SamplingResult(SamplingDecision.Drop);
        return Default.ShouldSample(parameters);
    }

    private static bool IsTaskEventMessage(in SamplingParameters parameters)
    {
        if (Mentions(parameters.Name)) return true;
        if (parameters.Tags is null) return false;
        foreach (var tag in parameters.Tags)
        {
            if (tag.Value is string value && Mentions(value)) return true;
        }
        return false;
    }

    private static bool Mentions(string text) =>
        text.Contains("MultiAgent.Contracts.Events", StringComparison.Ordinal) || text.Contains("api-task-events-", StringComparison.Ordinal);
}
