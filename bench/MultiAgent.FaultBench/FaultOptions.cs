using System.Globalization;

namespace MultiAgent.FaultBench;

internal sealed record FaultOptions(
    int Tasks,
    int Users,
    int LatencyMs,
    IReadOnlyList<Fault> Faults,
    TimeSpan Pause,
    TimeSpan Down,
    TimeSpan Timeout,
    string ResultsDirectory)
{
    public const string Usage = """
        dotnet run -c Release --project bench/MultiAgent.FaultBench -- [options]
          --tasks N          tasks to submit, all at once (default 200)
          --users U          users to spread them over (default: one per 10 tasks, the hourly limit per user)
          --latency MS       the simulated model's latency per call (default 400)
          --faults LIST      comma-separated, in order (default orchestrator,aigateway,api,rabbitmq,redis,postgres)
          --pause S          seconds between one fault's recovery and the next fault (default 10)
          --down S           seconds a stopped server (rabbitmq, redis, postgres) stays down (default 5)
          --timeout S        seconds to wait for every task to end after the last fault (default 1200)
          --results DIR      where the report and the services' logs go (default bench/results/faults-<time>)
        """;

    public static FaultOptions? Parse(string[] args)
    {
        int tasks = 200, users = 0, latency = 400, pause = 10, down = 5, timeout = 1200;
        IReadOnlyList<Fault> faults = Fault.All;
        string? results = null;
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            int Int() => int.Parse(Next(), CultureInfo.InvariantCulture);
            switch (args[i])
            {
                case "--tasks": tasks = Int(); break;
                case "--users": users = Int(); break;
                case "--latency": latency = Int(); break;
                case "--faults": faults = Next().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(Fault.Parse).ToList(); break;
                case "--pause": pause = Int(); break;
                case "--down": down = Int(); break;
                case "--timeout": timeout = Int(); break;
                case "--results": results = Next(); break;
                default: return null;
            }
        }
        results ??= Path.Combine("bench", "results", $"faults-{DateTime.UtcNow:yyyyMMdd'T'HHmmss'Z'}");
        return new FaultOptions(tasks, users > 0 ? users : Math.Max(1, (tasks + 9) / 10), latency, faults,
            TimeSpan.FromSeconds(pause), TimeSpan.FromSeconds(down), TimeSpan.FromSeconds(timeout), Path.GetFullPath(results));
    }
}

/// <summary>One fault: a kill -9 of a service's process tree, then a start; or a clean stop of a server, then a start.</summary>
internal sealed record Fault(string Resource, bool Kill)
{
    public static readonly IReadOnlyList<Fault> All =
    [
        new("orchestrator", Kill: true),
        new("aigateway", Kill: true),
        new("api", Kill: true),
        new("rabbitmq", Kill: false),
        new("redis", Kill: false),
        new("postgres", Kill: false),
    ];

    public string Name => Kill ? $"kill -9 {Resource}, start" : $"stop {Resource}, start";

    public static Fault Parse(string name) =>
        All.SingleOrDefault(f => f.Resource == name) ?? throw new ArgumentException($"Unknown fault '{name}': one of {string.Join(", ", All.Select(f => f.Resource))}.");
}
