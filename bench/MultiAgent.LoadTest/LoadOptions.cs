using System.Globalization;

namespace MultiAgent.LoadTest;

internal sealed record LoadOptions(Uri Api, int Tasks, double Rate, bool OneAtATime, int Users, string? Postgres, string Label, string? JsonPath,
    int TimeoutSeconds, int? ModelLatencyMs)
{
    public const string Usage = """
        dotnet run -c Release --project bench/MultiAgent.LoadTest -- [options]
          --api URL            the platform's Api (default http://localhost:5200)
          --tasks N            tasks to submit (default 200)
          --rate R             submit R tasks a second (default: all at once)
          --one-at-a-time      submit the next task when the previous one has finished
          --users U            users to spread the tasks over (default: one per 10 tasks, the hourly limit per user)
          --postgres CS        a Postgres connection string, to count transactions per task (pg_stat_database)
          --label NAME         the scenario's name in the report
          --json PATH          append the report as one JSON line to PATH
          --timeout S          give up waiting for tasks after S seconds (default 1200)
          --model-latency MS   the simulated model's latency the platform runs with: reports the orchestration overhead
                               (end to end minus the model time on each task's critical path)
        """;

    public static LoadOptions? Parse(string[] args)
    {
        var api = new Uri("http://localhost:5200");
        int tasks = 200, users = 0, timeout = 1200;
        int? modelLatency = null;
        double rate = 0;
        var oneAtATime = false;
        string? postgres = null, json = null;
        var label = "load";
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            switch (args[i])
            {
                case "--api": api = new Uri(Next()); break;
                case "--tasks": tasks = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--rate": rate = double.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--one-at-a-time": oneAtATime = true; break;
                case "--users": users = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--postgres": postgres = Next(); break;
                case "--label": label = Next(); break;
                case "--json": json = Next(); break;
                case "--timeout": timeout = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--model-latency": modelLatency = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                default: return null;
            }
        }
        return new LoadOptions(api, tasks, rate, oneAtATime, users > 0 ? users : Math.Max(1, (tasks + 9) / 10), postgres, label, json, timeout, modelLatency);
    }
}

internal sealed record Percentiles(double P50, double P95, double Max, int Count)
{
    public static Percentiles Of(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0) return new Percentiles(0, 0, 0, 0);
        double At(double q) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];
        return new Percentiles(At(0.50), At(0.95), sorted[^1], sorted.Length);
    }

    public override string ToString() => Count == 0 ? "—" : $"p50 {Ms(P50)}, p95 {Ms(P95)}, max {Ms(Max)}";

    private static string Ms(double ms) => ms >= 10_000 ? $"{ms / 1000:0.0} s" : $"{ms:0} ms";
}

internal sealed record LoadReport(
    string Label,
    int Requested,
    int Submitted,
    int Completed,
    int Failed,
    int Lost,
    int SubmitErrors,
    double TasksPerSecond,
    Percentiles EndToEnd,
    Percentiles Submit,
    Percentiles Read,
    Percentiles? Overhead,
    Percentiles? CriticalPath,
    double? PostgresTransactionsPerTask,
    IReadOnlyDictionary<string, double> CpuSecondsPerTask,
    IReadOnlyDictionary<string, double> PeakRssMegabytes)
{
    public void Print()
    {
        Console.WriteLine($"== {Label}");
        Console.WriteLine($"tasks: {Submitted}/{Requested} submitted, {Completed} completed, {Failed} failed or cancelled, {Lost} lost, {SubmitErrors} refused");
        Console.WriteLine($"throughput: {TasksPerSecond:0.00} completed tasks/s");
        Console.WriteLine($"end to end: {EndToEnd}");
        Console.WriteLine($"submit (POST /tasks): {Submit}");
        Console.WriteLine($"read (GET /tasks/id): {Read}");
        if (Overhead is { Count: > 0 } overhead && CriticalPath is { } path)
        {
            Console.WriteLine($"model time on the critical path: {path}");
            Console.WriteLine($"orchestration overhead (end to end - critical path): {overhead} ({overhead.P50 / (overhead.P50 + path.P50):P0} of p50)");
        }
        if (PostgresTransactionsPerTask is { } xacts) Console.WriteLine($"postgres transactions per task: {xacts:0.0}");
        if (CpuSecondsPerTask.Count > 0)
        {
            Console.WriteLine($"cpu seconds per task: {CpuSecondsPerTask.Values.Sum():0.000} ({string.Join(", ", CpuSecondsPerTask.OrderByDescending(p => p.Value).Select(p => $"{p.Key} {p.Value:0.000}"))})");
        }
        if (PeakRssMegabytes.Count > 0)
        {
            Console.WriteLine($"peak memory (MB): {string.Join(", ", PeakRssMegabytes.OrderByDescending(p => p.Value).Select(p => $"{p.Key} {p.Value:0}"))}");
        }
    }
}
