using System.Net;
using System.Net.Sockets;
using Aspire.Hosting;

namespace MultiAgent.Tests.AppHost;

/// <summary>
/// The real AppHost (<c>Projects.MultiAgent_AppHost</c>) built for a test, in processes mode, with its own free
/// ports and its own temporary data directory, so a test never collides with a platform already running on the
/// same machine (or with another test). Disposing it disposes the application and the builder, waits for the
/// servers to exit and deletes the data directory.
/// </summary>
/// <example>
/// <code>
/// await using var host = await TestAppHost.CreateAsync(cancellationToken: ct);
/// var app = await host.StartAsync(ct);                        // or: host.Builder.BuildAsync(...) yourself
/// await app.ResourceNotifications.WaitForResourceHealthyAsync("api", ct);
/// using var http = app.CreateHttpClient("api");
/// </code>
/// </example>
public sealed class TestAppHost : IAsyncDisposable
{
    /// <summary>The project resources of the AppHost; removed by <c>infrastructureOnly</c>.</summary>
    public static readonly string[] ProjectNames = ["migrations", "aigateway", "api", "orchestrator", "web"];

    /// <summary>The backing-service resources of the AppHost.</summary>
    public static readonly string[] InfrastructureNames = ["postgres", "multiagentdb", "aigatewaydb", "redis", "rabbitmq"];

    private DistributedApplication? _app;

    private TestAppHost(IDistributedApplicationTestingBuilder builder, string dataDirectory, IReadOnlyDictionary<string, int> ports)
    {
        Builder = builder;
        DataDirectory = dataDirectory;
        Ports = ports;
    }

    /// <summary>The testing builder: add to it, or replace resources, before <see cref="StartAsync"/>.</summary>
    public IDistributedApplicationTestingBuilder Builder { get; }

    /// <summary>The temporary <c>Infrastructure:DataDirectory</c>.</summary>
    public string DataDirectory { get; }

    /// <summary>The free ports given as <c>Infrastructure:Ports:*</c> (keys: Postgres, Redis, RabbitMQ, RabbitMQManagement, RabbitMQDist, Epmd).</summary>
    public IReadOnlyDictionary<string, int> Ports { get; }

    /// <param name="infrastructureOnly">Keep only Postgres, Redis and RabbitMQ (drop the project resources).</param>
    /// <param name="args">More AppHost arguments, e.g. <c>"--AI:Provider=simulated"</c>.</param>
    public static async Task<TestAppHost> CreateAsync(
        bool infrastructureOnly = false,
        IEnumerable<string>? args = null,
        CancellationToken cancellationToken = default)
    {
        var dataDirectory = Directory.CreateTempSubdirectory("multiagent-test-").FullName;
        var free = FreePorts(6);
        var ports = new Dictionary<string, int>
        {
            ["Postgres"] = free[0],
            ["Redis"] = free[1],
            ["RabbitMQ"] = free[2],
            ["RabbitMQManagement"] = free[3],
            ["RabbitMQDist"] = free[4],
            ["Epmd"] = free[5],
        };
        string[] allArgs =
        [
            "--Infrastructure:Mode=processes",
            $"--Infrastructure:DataDirectory={dataDirectory}",
            .. ports.Select(p => $"--Infrastructure:Ports:{p.Key}={p.Value}"),
            .. args ?? [],
        ];

        IDistributedApplicationTestingBuilder builder;
        try
        {
            builder = await DistributedApplicationTestingBuilder
                .CreateAsync<Projects.MultiAgent_AppHost>(allArgs, cancellationToken)
                .ConfigureAwait(false);
        }
        catch
        {
            DeleteDirectory(dataDirectory);
            throw;
        }

        if (infrastructureOnly)
        {
            foreach (var project in builder.Resources.OfType<ProjectResource>().ToList())
            {
                builder.Resources.Remove(project);
            }
        }

        return new TestAppHost(builder, dataDirectory, ports);
    }

    /// <summary>Builds and starts the application (disposed with this object).</summary>
    public async Task<DistributedApplication> StartAsync(CancellationToken cancellationToken = default)
    {
        if (_app is not null)
        {
            throw new InvalidOperationException("The application was already started.");
        }

        _app = await Builder.BuildAsync(cancellationToken).ConfigureAwait(false);
        await _app.StartAsync(cancellationToken).ConfigureAwait(false);
        return _app;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_app is not null)
            {
                await _app.DisposeAsync().ConfigureAwait(false);
            }

            await Builder.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            await Task.Run(() => DeleteDirectory(DataDirectory)).ConfigureAwait(false);
        }
    }

    private static readonly HashSet<int> HandedOut = [];

    /// <summary>
    /// Distinct free TCP ports on the loopback interface for the servers, taken below the operating system's ephemeral range:
    /// a port in that range, free when checked, can be taken by any outgoing connection before the server binds it (CI saw
    /// RabbitMQ fail to start on such a port). Below it, only a listener can hold a port, and each is checked by binding it.
    /// Ports are never handed out twice within a test run.
    /// </summary>
    public static int[] FreePorts(int count)
    {
        var (low, high) = (10_000, EphemeralRangeStart() - 1);
        var ports = new List<int>();
        lock (HandedOut)
        {
            for (var attempt = 0; ports.Count < count; attempt++)
            {
                if (attempt > 10_000) throw new InvalidOperationException($"No {count} free ports between {low} and {high}.");
                var port = Random.Shared.Next(low, high + 1);
                if (HandedOut.Contains(port) || !IsFree(port)) continue;
                HandedOut.Add(port);
                ports.Add(port);
            }
        }
        return [.. ports];
    }

    private static bool IsFree(int port)
    {
        var listener = new TcpListener(IPAddress.Loopback, port);
        try
        {
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
        finally
        {
            listener.Stop();
        }
    }

    /// <summary>The first port of Linux's ephemeral range (<c>ip_local_port_range</c>), else the IANA dynamic range's 49152.</summary>
    private static int EphemeralRangeStart()
    {
        try
        {
            var range = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[])['\t', ' ', '\n'], StringSplitOptions.RemoveEmptyEntries);
            if (int.TryParse(range[0], out var start) && start > 12_000) return start;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or IndexOutOfRangeException)
        {
        }
        return 49_152;
    }

    private static void DeleteDirectory(string path)
    {
        WaitForServersToLeave(path, TimeSpan.FromSeconds(60));
        for (var attempt = 0; attempt < 20 && Directory.Exists(path); attempt++)
        {
            try
            {
                Directory.Delete(path, recursive: true);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                Thread.Sleep(500);
            }
        }
    }

    /// <summary>
    /// The servers run with the data directory as their working directory (Postgres in its data/ below it), and
    /// they take a few seconds to stop after the orchestrator has signalled them (RabbitMQ most): on Linux, wait
    /// until no process works inside the directory any more, so it is not deleted under a server still writing.
    /// </summary>
    private static void WaitForServersToLeave(string path, TimeSpan timeout)
    {
        if (!OperatingSystem.IsLinux() || !Directory.Exists("/proc"))
        {
            return;
        }

        var root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline && AnyProcessWorksIn(root))
        {
            Thread.Sleep(250);
        }
    }

    private static bool AnyProcessWorksIn(string root)
    {
        foreach (var process in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(process), out _))
            {
                continue;
            }

            try
            {
                var cwd = new FileInfo(Path.Combine(process, "cwd")).LinkTarget;
                if (cwd is not null && (cwd == root || cwd.StartsWith(root + "/", StringComparison.Ordinal)))
                {
                    return true;
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // the process has ended, or is not ours to inspect
            }
        }

        return false;
    }
}
