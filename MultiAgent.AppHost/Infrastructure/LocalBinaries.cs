namespace MultiAgent.AppHost.Infrastructure;

/// <summary>
/// Finds the locally installed PostgreSQL, Redis and RabbitMQ servers: Debian/Ubuntu package paths,
/// Homebrew paths on macOS, then PATH.
/// </summary>
public sealed record LocalBinaries(string PostgresBinDirectory, string RedisServer, string RabbitMQBinDirectory, string? Epmd)
{
    public const string AptInstall = "sudo apt-get install -y postgresql redis-server rabbitmq-server";
    public const string BrewInstall = "brew install postgresql@16 redis rabbitmq";

    public static string InstallHint => OperatingSystem.IsMacOS() ? BrewInstall : AptInstall;

    private static readonly string[] HomebrewPrefixes = ["/opt/homebrew", "/usr/local"];

    /// <summary>Finds all three servers, or returns null and says what is missing.</summary>
    public static LocalBinaries? Find(out string missing)
    {
        var postgres = FindPostgresBinDirectory();
        var redis = FindRedisServer();
        var rabbit = FindRabbitMQBinDirectory();
        var names = new List<string>();
        if (postgres is null) names.Add("PostgreSQL (postgres, initdb)");
        if (redis is null) names.Add("Redis (redis-server)");
        if (rabbit is null) names.Add("RabbitMQ (rabbitmq-server, rabbitmqctl)");
        missing = string.Join(", ", names);
        return postgres is null || redis is null || rabbit is null
            ? null
            : new LocalBinaries(postgres, redis, rabbit, FindEpmd(rabbit));
    }

    /// <summary>The newest <c>/usr/lib/postgresql/&lt;version&gt;/bin</c>, a Homebrew <c>postgresql@N</c>, or <c>postgres</c> on PATH.</summary>
    public static string? FindPostgresBinDirectory()
    {
        var candidates = new List<string>();
        candidates.AddRange(VersionedDirectories("/usr/lib/postgresql", "", "bin"));
        foreach (var prefix in HomebrewPrefixes)
        {
            candidates.AddRange(VersionedDirectories(Path.Combine(prefix, "opt"), "postgresql@", "bin"));
            candidates.Add(Path.Combine(prefix, "opt", "postgresql", "bin"));
        }

        var onPath = FindOnPath("postgres");
        if (onPath is not null)
        {
            candidates.Add(Path.GetDirectoryName(ResolveLinks(onPath))!);
        }

        return candidates.FirstOrDefault(d => IsExecutable(Path.Combine(d, "postgres")) && IsExecutable(Path.Combine(d, "initdb")));
    }

    public static string? FindRedisServer() =>
        new[] { "/usr/bin/redis-server" }
            .Concat(HomebrewPrefixes.Select(p => Path.Combine(p, "bin", "redis-server")))
            .Append(FindOnPath("redis-server"))
            .FirstOrDefault(f => f is not null && IsExecutable(f));

    /// <summary>
    /// The directory holding <c>rabbitmq-server</c> and <c>rabbitmqctl</c>. On Debian that is <c>/usr/lib/rabbitmq/bin</c>,
    /// not <c>/usr/sbin</c>, whose wrappers switch to the <c>rabbitmq</c> user and its home directory.
    /// </summary>
    public static string? FindRabbitMQBinDirectory()
    {
        var candidates = new List<string> { "/usr/lib/rabbitmq/bin" };
        candidates.AddRange(HomebrewPrefixes.Select(p => Path.Combine(p, "opt", "rabbitmq", "sbin")));
        candidates.AddRange(HomebrewPrefixes.Select(p => Path.Combine(p, "sbin")));
        var onPath = FindOnPath("rabbitmq-server");
        if (onPath is not null)
        {
            candidates.Add(Path.GetDirectoryName(ResolveLinks(onPath))!);
        }

        return candidates.FirstOrDefault(d =>
            IsExecutable(Path.Combine(d, "rabbitmq-server")) && IsExecutable(Path.Combine(d, "rabbitmqctl")));
    }

    private static string? FindEpmd(string rabbitBinDirectory)
    {
        var erlangLib = "/usr/lib/erlang";
        var candidates = new List<string?> { FindOnPath("epmd"), Path.Combine(erlangLib, "bin", "epmd") };
        candidates.AddRange(VersionedDirectories(erlangLib, "erts-", "bin").Select(d => Path.Combine(d, "epmd")));
        candidates.AddRange(HomebrewPrefixes.Select(p => Path.Combine(p, "opt", "erlang", "bin", "epmd")));
        candidates.Add(Path.Combine(rabbitBinDirectory, "epmd"));
        return candidates.FirstOrDefault(f => f is not null && IsExecutable(f));
    }

    private static IEnumerable<string> VersionedDirectories(string parent, string prefix, string child)
    {
        if (!Directory.Exists(parent))
        {
            return [];
        }

        return Directory.EnumerateDirectories(parent, prefix + "*")
            .Select(d => (Dir: d, Version: ParseVersion(Path.GetFileName(d)[prefix.Length..])))
            .Where(x => x.Version is not null)
            .OrderByDescending(x => x.Version)
            .Select(x => Path.Combine(x.Dir, child));
    }

    private static Version? ParseVersion(string text)
    {
        var digits = new string(text.TakeWhile(c => char.IsDigit(c) || c == '.').ToArray()).Trim('.');
        if (digits.Length == 0)
        {
            return null;
        }

        return Version.TryParse(digits.Contains('.') ? digits : digits + ".0", out var v) ? v : null;
    }

    internal static string? FindOnPath(string name)
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        var dirs = path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Concat(["/usr/local/sbin", "/usr/sbin", "/sbin"]);
        return dirs.Select(d => Path.Combine(d, name)).FirstOrDefault(IsExecutable);
    }

    private static string ResolveLinks(string path)
    {
        var info = new FileInfo(path);
        return info.LinkTarget is null ? path : info.ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? path;
    }

    private static bool IsExecutable(string path)
    {
        try
        {
            var file = new FileInfo(path);
            if (!file.Exists || (file.LinkTarget is not null && file.ResolveLinkTarget(returnFinalTarget: true) is not { Exists: true }))
            {
                return false; // missing, or a dangling link (e.g. left behind by an uninstalled package)
            }

            if (OperatingSystem.IsWindows())
            {
                return true;
            }

            var mode = File.GetUnixFileMode(path);
            return (mode & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
