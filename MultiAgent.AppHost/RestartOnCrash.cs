using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace MultiAgent.AppHost;

/// <summary>Marks a service the AppHost starts again when it crashes.</summary>
public sealed class RestartOnCrashAnnotation : IResourceAnnotation;

public static class RestartOnCrashExtensions
{
    /// <summary>
    /// When the service exits on its own with a non-zero code (killed, or ended itself because it could not go on, as the
    /// Orchestrator does when its message endpoints are stuck), the AppHost starts it again after a short pause that
    /// doubles while it keeps crashing: what a container platform's restart policy does for the deployed services. A stop
    /// asked for from the dashboard is left alone. Run mode only; Azure Container Apps restarts containers by itself.
    /// </summary>
    public static IResourceBuilder<T> WithRestartOnCrash<T>(this IResourceBuilder<T> builder) where T : IResource
    {
        if (builder.ApplicationBuilder.ExecutionContext.IsRunMode)
        {
            builder.ApplicationBuilder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, CrashRestarter>());
        }
        return builder.WithAnnotation(new RestartOnCrashAnnotation());
    }
}

/// <summary>Watches the resources marked <see cref="RestartOnCrashAnnotation"/> and starts a crashed instance again.</summary>
internal sealed class CrashRestarter(ResourceNotificationService notifications, ResourceCommandService commands,
    IHostApplicationLifetime lifetime, ILogger<CrashRestarter> logger)
    : BackgroundService
{
    /// <summary>The first pause before a restart; it doubles for each crash within <see cref="StableAfter"/>, up to <see cref="MaxDelay"/>.</summary>
    public static readonly TimeSpan FirstDelay = TimeSpan.FromSeconds(2);
    public static readonly TimeSpan MaxDelay = TimeSpan.FromMinutes(1);
    public static readonly TimeSpan StableAfter = TimeSpan.FromMinutes(2);

    // Only the watch loop below touches this.
    private readonly Dictionary<string, Instance> _instances = [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var e in notifications.WatchAsync(stoppingToken))
            {
                if (!e.Resource.Annotations.OfType<RestartOnCrashAnnotation>().Any()) continue;

                if (!_instances.TryGetValue(e.ResourceId, out var instance))
                {
                    _instances[e.ResourceId] = instance = new Instance();
                }
                var state = e.Snapshot.State?.Text;
                if (state == instance.LastState) continue;
                var previous = instance.LastState;
                instance.LastState = state;
                if (state == KnownResourceStates.Running)
                {
                    instance.RunningSince = DateTimeOffset.UtcNow;
                    continue;
                }
                if (state != KnownResourceStates.Exited && state != KnownResourceStates.Finished) continue;
                // First sight of it, a stop someone asked for, a clean exit, or the AppHost shutting down: not a crash.
                if (previous is null || previous == KnownResourceStates.Stopping || lifetime.ApplicationStopping.IsCancellationRequested) continue;
                if (e.Snapshot.ExitCode is null or 0) continue;

                instance.Crashes = DateTimeOffset.UtcNow - instance.RunningSince > StableAfter ? 1 : instance.Crashes + 1;
                var delay = TimeSpan.FromTicks(Math.Min(MaxDelay.Ticks, FirstDelay.Ticks << Math.Min(instance.Crashes - 1, 10)));
                logger.LogWarning("{Resource} exited with code {ExitCode} (crash {Crashes} in a row); starting it again in {Delay} s",
                    e.ResourceId, e.Snapshot.ExitCode, instance.Crashes, (int)delay.TotalSeconds);
                _ = RestartAsync(e.ResourceId, delay, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task RestartAsync(string resourceId, TimeSpan delay, CancellationToken stoppingToken)
    {
        try
        {
            await Task.Delay(delay, stoppingToken);
            var started = await commands.ExecuteCommandAsync(resourceId, KnownResourceCommands.StartCommand, stoppingToken);
            if (!started.Success)
            {
                logger.LogError("Starting {Resource} again after its crash failed: {Message}. Start it from the dashboard.", resourceId, started.Message);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private sealed class Instance
    {
        public string? LastState { get; set; }
        public DateTimeOffset RunningSince { get; set; } = DateTimeOffset.UtcNow;
        public int Crashes { get; set; }
    }
}
