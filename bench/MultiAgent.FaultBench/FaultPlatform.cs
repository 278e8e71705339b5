using System.Collections.Concurrent;
using System.Diagnostics;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MultiAgent.AiGateway.Ledger;
using MultiAgent.Data;

using MultiAgent.Bench;

namespace MultiAgent.FaultBench;

/// <summary>
/// The real AppHost, hosted here through Aspire.Hosting.Testing: processes mode, free ports, a fresh temporary data directory,
/// the simulated model at the given latency. Every resource's log goes to a file under <c>logs/</c> of the results directory.
/// Faults are injected through the AppHost itself: a kill -9 of a resource's process tree (its <c>executable.pid</c>), and
/// Aspire's own stop and start commands.
/// </summary>
internal sealed class FaultPlatform : IAsyncDisposable
{
    private static readonly string[] Services = ["api", "orchestrator", "aigateway"];

    private readonly IDistributedApplicationTestingBuilder _builder;
    private readonly string _dataDirectory;
    private readonly string _logDirectory;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<string, Task> _logWatches = new();
    private Task? _watcher;

    private FaultPlatform(IDistributedApplicationTestingBuilder builder, DistributedApplication app, string dataDirectory, string logDirectory)
    {
        _builder = builder;
        App = app;
        _dataDirectory = dataDirectory;
        _logDirectory = logDirectory;
    }

    public DistributedApplication App { get; }

    public static async Task<FaultPlatform> StartAsync(FaultOptions options, CancellationToken cancellationToken)
    {
        var dataDirectory = Directory.CreateTempSubdirectory("multiagent-faults-").FullName;
        var logDirectory = Directory.CreateDirectory(Path.Combine(options.ResultsDirectory, "logs")).FullName;
        string[] args =
        [
            .. IsolatedInfrastructure.Arguments(dataDirectory),
            $"--AI:Simulated:LatencyMs={options.LatencyMs}",
        ];
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.MultiAgent_AppHost>(args, cancellationToken);

        // The AppHost's own log to a file; the resources' logs are written by WatchLogsAsync.
        var appHostLog = new FileLoggerProvider(Path.Combine(logDirectory, "apphost.log"));
        builder.Services.AddLogging(logging =>
        {
            logging.ClearProviders();
            logging.SetMinimumLevel(LogLevel.Information);
            logging.AddFilter((category, _) => !category!.Contains(".Resources.", StringComparison.Ordinal));
            logging.AddProvider(appHostLog);
        });

        // The web front end plays no part in the faults; on two cores it only takes CPU from the services under test.
        foreach (var web in builder.Resources.Where(r => r.Name == "web").ToList())
        {
            builder.Resources.Remove(web);
        }

        // One log line per model call the gateway answers: counted against the ledger to find calls paid for and not billed.
        var gateway = builder.CreateResourceBuilder(builder.Resources.OfType<ProjectResource>().Single(r => r.Name == "aigateway"));
        gateway.WithEnvironment("Logging__LogLevel__MultiAgent.AiGateway.Apis.GatewayServices", "Debug");

        var app = await builder.BuildAsync(cancellationToken);
        var platform = new FaultPlatform(builder, app, dataDirectory, logDirectory);
        platform._watcher = Task.Run(() => platform.WatchLogsAsync(platform._stopping.Token), CancellationToken.None);
        await app.StartAsync(cancellationToken);
        foreach (var service in Services)
        {
            await app.ResourceNotifications.WaitForResourceHealthyAsync(service, cancellationToken);
        }
        return platform;
    }

    public HttpClient CreateApiClient() => App.CreateHttpClient("api");

    public async Task<string> ParameterAsync(string name, CancellationToken cancellationToken) =>
        await App.Services.GetRequiredService<DistributedApplicationModel>().Resources.OfType<ParameterResource>()
            .Single(p => p.Name == name).GetValueAsync(cancellationToken)
        ?? throw new InvalidOperationException($"The {name} parameter has no value.");

    public async Task<MultiAgentDbContext> PlatformDbAsync()
    {
        var connectionString = await App.GetConnectionStringAsync("multiagentdb") ?? throw new InvalidOperationException("No connection string for multiagentdb.");
        return new MultiAgentDbContext(new DbContextOptionsBuilder<MultiAgentDbContext>().UseNpgsql(connectionString).Options);
    }

    public async Task<LedgerDbContext> LedgerDbAsync()
    {
        var connectionString = await App.GetConnectionStringAsync(LedgerDbContext.ConnectionName) ?? throw new InvalidOperationException("No connection string for aigatewaydb.");
        return new LedgerDbContext(new DbContextOptionsBuilder<LedgerDbContext>().UseNpgsql(connectionString).Options);
    }

    /// <summary>The log file of a resource (one per resource instance).</summary>
    public IEnumerable<string> LogFiles(string resource) =>
        Directory.EnumerateFiles(_logDirectory, $"{resource}*.log").Where(f => Path.GetFileName(f) != "apphost.log");

    /// <summary>Injects the fault and returns once Aspire reports the resource healthy again: the time it was out.</summary>
    public async Task InjectAsync(Fault fault, TimeSpan down, CancellationToken cancellationToken)
    {
        var commands = App.Services.GetRequiredService<ResourceCommandService>();
        if (fault.Kill)
        {
            // A crash, not a graceful stop: SIGKILL to the whole process tree (dotnet run and the service under it).
            if (!App.ResourceNotifications.TryGetCurrentState(fault.Resource, out var state))
                throw new InvalidOperationException($"No resource {fault.Resource}.");
            var pid = state.Snapshot.Properties.Single(p => p.Name == "executable.pid").Value;
            Process.GetProcessById(Convert.ToInt32(pid, System.Globalization.CultureInfo.InvariantCulture)).Kill(entireProcessTree: true);
        }
        else
        {
            var stopped = await commands.ExecuteCommandAsync(fault.Resource, KnownResourceCommands.StopCommand, cancellationToken);
            if (!stopped.Success) throw new InvalidOperationException($"Stopping {fault.Resource} failed: {stopped.Message}");
        }

        await App.ResourceNotifications.WaitForResourceAsync(fault.Resource,
            e => e.Snapshot.State?.Text is "Exited" or "Finished" or "Stopped" or "FailedToStart", cancellationToken);
        if (fault.Kill)
        {
            // The AppHost starts a crashed service again by itself (WithRestartOnCrash), as a container platform would.
            await App.ResourceNotifications.WaitForResourceAsync(fault.Resource, KnownResourceStates.Running, cancellationToken);
        }
        else
        {
            // A stopped server stays down for a while, then is started again.
            await Task.Delay(down, cancellationToken);
            var started = await commands.ExecuteCommandAsync(fault.Resource, KnownResourceCommands.StartCommand, cancellationToken);
            if (!started.Success) throw new InvalidOperationException($"Starting {fault.Resource} failed: {started.Message}");
        }
        await App.ResourceNotifications.WaitForResourceHealthyAsync(fault.Resource, cancellationToken);
    }

    /// <summary>Writes each resource instance's console to logs/&lt;instance&gt;.log as long as the platform runs (restarts included).</summary>
    private async Task WatchLogsAsync(CancellationToken cancellationToken)
    {
        var loggers = App.Services.GetRequiredService<ResourceLoggerService>();
        try
        {
            await foreach (var update in App.ResourceNotifications.WatchAsync(cancellationToken))
            {
                var id = update.ResourceId;
                if (update.Resource is ParameterResource || (_logWatches.TryGetValue(id, out var running) && !running.IsCompleted)) continue;
                _logWatches[id] = Task.Run(async () =>
                {
                    await using var file = new StreamWriter(Path.Combine(_logDirectory, $"{id}.log"), append: true) { AutoFlush = true };
                    try
                    {
                        await foreach (var batch in loggers.WatchAsync(id).WithCancellation(cancellationToken))
                        {
                            foreach (var line in batch) await file.WriteLineAsync(line.Content);
                        }
                    }
                    catch (OperationCanceledException)
                    {
                    }
                }, CancellationToken.None);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await App.DisposeAsync();
        await _stopping.CancelAsync();
        if (_watcher is not null) await _watcher;
        await Task.WhenAll(_logWatches.Values);
        await _builder.DisposeAsync();
        // The servers take a few seconds to leave their data directory after the AppHost has stopped them.
        for (var attempt = 0; attempt < 30 && Directory.Exists(_dataDirectory); attempt++)
        {
            try
            {
                Directory.Delete(_dataDirectory, recursive: true);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                await Task.Delay(1000);
            }
        }
    }
}

/// <summary>A minimal file logger for the AppHost's own log (its health checks fail loudly while a server is down).</summary>
internal sealed class FileLoggerProvider(string path) : ILoggerProvider
{
    private readonly StreamWriter _writer = new(path, append: true) { AutoFlush = true };

    public ILogger CreateLogger(string categoryName) => new FileLogger(this, categoryName);

    public void Dispose()
    {
        lock (_writer) _writer.Dispose();
    }

    private void Write(string line)
    {
        lock (_writer)
        {
            if (_writer.BaseStream.CanWrite) _writer.WriteLine(line);
        }
    }

    private sealed class FileLogger(FileLoggerProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            provider.Write($"{DateTime.UtcNow:HH:mm:ss.fff} {logLevel} {category}: {formatter(state, exception)}{(exception is null ? "" : " " + exception)}");
        }
    }
}
