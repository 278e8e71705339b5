using Microsoft.Extensions.Configuration;

namespace MultiAgent.AppHost.Infrastructure;

/// <summary>How the backing services (Postgres, Redis, RabbitMQ) are run.</summary>
public enum InfrastructureMode
{
    /// <summary>Containers when a container runtime answers, else local processes when the binaries are installed.</summary>
    Auto,

    /// <summary>Aspire's container resources (<c>AddPostgres</c>, <c>AddRedis</c>, <c>AddRabbitMQ</c>).</summary>
    Containers,

    /// <summary>The locally installed server binaries, run as Aspire executable resources.</summary>
    Processes,
}

/// <summary>
/// The <c>Infrastructure</c> configuration section: <c>Mode</c>, <c>DataDirectory</c> and <c>Ports:*</c>.
/// A port of 0 (or a missing one) means the fixed default below.
/// </summary>
public sealed class InfrastructureSettings
{
    public const string SectionName = "Infrastructure";

    // Fixed local ports that stay clear of a system install (5432, 6379, 5672/15672, 4369 and 25672).
    public const int DefaultPostgresPort = 55432;
    public const int DefaultRedisPort = 56379;
    public const int DefaultRabbitMQPort = 55672;
    public const int DefaultRabbitMQManagementPort = 55673;
    public const int DefaultRabbitMQDistPort = 55674;
    public const int DefaultEpmdPort = 54369;

    public InfrastructureMode Mode { get; init; } = InfrastructureMode.Auto;

    /// <summary>The per-user directory that holds every server's data; survives restarts.</summary>
    public required string DataDirectory { get; init; }

    public int PostgresPort { get; init; } = DefaultPostgresPort;
    public int RedisPort { get; init; } = DefaultRedisPort;
    public int RabbitMQPort { get; init; } = DefaultRabbitMQPort;
    public int RabbitMQManagementPort { get; init; } = DefaultRabbitMQManagementPort;
    public int RabbitMQDistPort { get; init; } = DefaultRabbitMQDistPort;
    public int EpmdPort { get; init; } = DefaultEpmdPort;

    public static InfrastructureSettings FromConfiguration(IConfiguration configuration)
    {
        var section = configuration.GetSection(SectionName);
        var modeText = section["Mode"];
        var mode = InfrastructureMode.Auto;
        if (!string.IsNullOrWhiteSpace(modeText) && !Enum.TryParse(modeText.Trim(), ignoreCase: true, out mode))
        {
            throw new InvalidOperationException(
                $"Infrastructure:Mode '{modeText}' is not one of: auto, containers, processes.");
        }

        var dataDirectory = section["DataDirectory"];
        return new InfrastructureSettings
        {
            Mode = mode,
            DataDirectory = string.IsNullOrWhiteSpace(dataDirectory)
                ? DefaultDataDirectory()
                : Path.GetFullPath(ExpandHome(dataDirectory.Trim())),
            PostgresPort = Port(section, "Postgres", DefaultPostgresPort),
            RedisPort = Port(section, "Redis", DefaultRedisPort),
            RabbitMQPort = Port(section, "RabbitMQ", DefaultRabbitMQPort),
            RabbitMQManagementPort = Port(section, "RabbitMQManagement", DefaultRabbitMQManagementPort),
            RabbitMQDistPort = Port(section, "RabbitMQDist", DefaultRabbitMQDistPort),
            EpmdPort = Port(section, "Epmd", DefaultEpmdPort),
        };
    }

    /// <summary>
    /// <c>$XDG_DATA_HOME/multiagent</c>, else <c>~/.local/share/multiagent</c>. As root it is
    /// <c>/var/lib/multiagent</c>: Postgres then runs as the <c>postgres</c> user, which cannot enter <c>/root</c>.
    /// </summary>
    public static string DefaultDataDirectory()
    {
        if (!OperatingSystem.IsWindows() && Environment.UserName == "root")
        {
            return "/var/lib/multiagent";
        }

        var xdg = Environment.GetEnvironmentVariable("XDG_DATA_HOME");
        var root = !string.IsNullOrWhiteSpace(xdg) && Path.IsPathRooted(xdg)
            ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "share");
        return Path.Combine(root, "multiagent");
    }

    private static string ExpandHome(string path) =>
        path == "~" || path.StartsWith("~/", StringComparison.Ordinal)
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), path.TrimStart('~').TrimStart('/'))
            : path;

    private static int Port(IConfigurationSection section, string name, int fallback)
    {
        var text = section[$"Ports:{name}"];
        if (string.IsNullOrWhiteSpace(text))
        {
            return fallback;
        }

        if (!int.TryParse(text, out var port) || port < 0 || port > 65535)
        {
            throw new InvalidOperationException($"Infrastructure:Ports:{name} '{text}' is not a TCP port.");
        }

        return port == 0 ? fallback : port;
    }
}
