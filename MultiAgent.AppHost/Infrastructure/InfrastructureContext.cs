using System.Diagnostics;
using System.Reflection;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace MultiAgent.AppHost.Infrastructure;

/// <summary>
/// The infrastructure mode chosen for one AppHost builder, decided once (on the first backing service added)
/// and logged when the application starts.
/// </summary>
public sealed class InfrastructureContext
{
    private static readonly ConditionalWeakTable<IDistributedApplicationBuilder, InfrastructureContext> Contexts = new();
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(5);

    private InfrastructureContext(InfrastructureSettings settings, InfrastructureMode mode, string reason, LocalBinaries? binaries)
    {
        Settings = settings;
        Mode = mode;
        Reason = reason;
        Binaries = binaries;
    }

    public InfrastructureSettings Settings { get; }

    /// <summary><see cref="InfrastructureMode.Containers"/> or <see cref="InfrastructureMode.Processes"/>.</summary>
    public InfrastructureMode Mode { get; }

    /// <summary>Why <see cref="Mode"/> was chosen, in words.</summary>
    public string Reason { get; }

    /// <summary>The local servers; set in processes mode.</summary>
    public LocalBinaries? Binaries { get; }

    /// <summary>Where the wrapper scripts were copied beside the AppHost assembly.</summary>
    public static string ScriptsDirectory =>
        Path.Combine(Path.GetDirectoryName(typeof(InfrastructureContext).Assembly.Location) ?? AppContext.BaseDirectory,
            "Infrastructure", "scripts");

    public static InfrastructureContext Get(IDistributedApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        lock (Contexts)
        {
            if (Contexts.TryGetValue(builder, out var existing))
            {
                return existing;
            }

            var context = Resolve(builder);
            Contexts.Add(builder, context);
            builder.Eventing.Subscribe<BeforeStartEvent>((e, _) =>
            {
                var logger = e.Services.GetRequiredService<ILoggerFactory>().CreateLogger("MultiAgent.Infrastructure");
                logger.LogInformation("Infrastructure mode: {Mode} ({Reason}).", context.Mode.ToString().ToLowerInvariant(), context.Reason);
                if (context.Mode == InfrastructureMode.Processes)
                {
                    // The servers' working directory; each wrapper script makes its own subdirectory.
                    Directory.CreateDirectory(context.Settings.DataDirectory);
                    logger.LogInformation(
                        "Local servers: Postgres localhost:{PostgresPort}, Redis localhost:{RedisPort}, RabbitMQ localhost:{RabbitMQPort} (management {ManagementPort}); data in {DataDirectory}.",
                        context.Settings.PostgresPort, context.Settings.RedisPort, context.Settings.RabbitMQPort,
                        context.Settings.RabbitMQManagementPort, context.Settings.DataDirectory);
                }

                return Task.CompletedTask;
            });
            return context;
        }
    }

    private static InfrastructureContext Resolve(IDistributedApplicationBuilder builder)
    {
        var settings = InfrastructureSettings.FromConfiguration(builder.Configuration);

        if (builder.ExecutionContext.IsPublishMode)
        {
            return new(settings, InfrastructureMode.Containers, "publishing: deployments always use the container resources", null);
        }

        switch (settings.Mode)
        {
            case InfrastructureMode.Containers:
                return new(settings, InfrastructureMode.Containers, "Infrastructure:Mode is 'containers'", null);

            case InfrastructureMode.Processes:
            {
                var binaries = LocalBinaries.Find(out var missing)
                    ?? throw Fail(
                        $"Infrastructure:Mode is 'processes' but these servers are not installed: {missing}.\nInstall them with: {LocalBinaries.InstallHint}");
                return new(settings, InfrastructureMode.Processes, "Infrastructure:Mode is 'processes'", binaries);
            }
        }

        // Auto: a container runtime that answers wins; else the local servers; else stop and say what to do.
        var configuredRuntime = builder.Configuration["ASPIRE_CONTAINER_RUNTIME"]
            ?? builder.Configuration["DOTNET_ASPIRE_CONTAINER_RUNTIME"];
        var runtime = FindRunningContainerRuntime(configuredRuntime);
        if (runtime is not null)
        {
            if (configuredRuntime is null && runtime == "podman")
            {
                // Aspire defaults to docker; point it at the runtime that answered.
                builder.Configuration["ASPIRE_CONTAINER_RUNTIME"] = "podman";
            }

            return new(settings, InfrastructureMode.Containers, $"auto: '{runtime} info' answered", null);
        }

        var found = LocalBinaries.Find(out var missingServers);
        var probes = configuredRuntime is null ? "'docker info' and 'podman info'" : $"'{configuredRuntime} info'";
        if (found is not null)
        {
            return new(settings, InfrastructureMode.Processes,
                $"auto: no container runtime answered ({probes} failed), and the local servers are installed", found);
        }

        var message =
            $"""
            No way to run the backing services (Postgres, Redis, RabbitMQ):
              - no container runtime answered ({probes} failed or timed out), and
              - these local servers are not installed: {missingServers}.
            Either start Docker or Podman, or install the servers with:
              {LocalBinaries.InstallHint}
            then run the AppHost again. (Set Infrastructure:Mode to 'containers' or 'processes' to skip the detection.)
            """;

        throw Fail(message);
    }

    /// <summary>
    /// Run as the AppHost itself: say it plainly and exit at once, rather than print a stack trace. Hosted
    /// elsewhere (tests): return the exception to throw.
    /// </summary>
    private static DistributedApplicationException Fail(string message)
    {
        if (Assembly.GetEntryAssembly() == typeof(InfrastructureContext).Assembly)
        {
            Console.Error.WriteLine(message);
            Environment.Exit(1);
        }

        return new DistributedApplicationException(message);
    }

    /// <summary>Runs '<c>docker info</c>' and '<c>podman info</c>' (or only the configured runtime) and returns the first that exits 0 in time.</summary>
    private static string? FindRunningContainerRuntime(string? configuredRuntime)
    {
        string[] candidates = configuredRuntime is not null ? [configuredRuntime] : ["docker", "podman"];
        var probes = candidates.Select(c => (Name: c, Task: Task.Run(() => Answers(c)))).ToArray();
        foreach (var (name, task) in probes)
        {
            if (task.GetAwaiter().GetResult())
            {
                return name;
            }
        }

        return null;
    }

    private static bool Answers(string runtime)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(runtime, "info")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                RedirectStandardInput = true,
                UseShellExecute = false,
            });
            if (process is null)
            {
                return false;
            }

            process.StandardInput.Close();
            _ = process.StandardOutput.ReadToEndAsync();
            _ = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(ProbeTimeout))
            {
                try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
                return false;
            }

            return process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false; // not installed
        }
    }
}
