namespace MultiAgent.LoadTest;

/// <summary>
/// CPU time and memory of the platform's processes on this machine, from /proc (Linux): the services by their assembly
/// name, the servers by their executable. A measurement aid only; on another OS the report leaves these out.
/// </summary>
internal sealed class MachineProbe
{
    private static readonly (string Group, string Match)[] Groups =
    [
        ("api", "MultiAgent.Api"), ("orchestrator", "MultiAgent.Orchestrator"), ("aigateway", "MultiAgent.AiGateway"),
        ("web", "MultiAgent.Web"), ("postgres", "postgres"), ("redis", "redis-server"), ("rabbitmq", "beam.smp"),
        ("dashboard", "Aspire.Dashboard"), ("dcp", "dcp"),
    ];

    private readonly Dictionary<string, double> _peak = new();
    private readonly long _ticksPerSecond = 100; // USER_HZ on Linux

    public IReadOnlyDictionary<string, double> PeakRssMegabytes => _peak;

    public Dictionary<string, double> CpuSeconds()
    {
        var result = new Dictionary<string, double>();
        foreach (var (pid, group) in Processes())
        {
            try
            {
                var stat = File.ReadAllText($"/proc/{pid}/stat");
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                // utime, stime, cutime, cstime are fields 14-17 of the file (11-14 after the command).
                var ticks = long.Parse(fields[11]) + long.Parse(fields[12]) + long.Parse(fields[13]) + long.Parse(fields[14]);
                result[group] = result.GetValueOrDefault(group) + ticks / (double)_ticksPerSecond;
            }
            catch (IOException)
            {
            }
        }
        return result;
    }

    public void SampleMemory()
    {
        var now = new Dictionary<string, double>();
        foreach (var (pid, group) in Processes())
        {
            try
            {
                var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
                if (line is null) continue;
                var kb = double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);
                now[group] = now.GetValueOrDefault(group) + kb / 1024;
            }
            catch (IOException)
            {
            }
        }
        foreach (var (group, mb) in now) _peak[group] = Math.Max(_peak.GetValueOrDefault(group), mb);
    }

    public static IReadOnlyDictionary<string, double> PerTask(Dictionary<string, double> before, Dictionary<string, double> after, int tasks) =>
        tasks == 0 ? new Dictionary<string, double>()
            : after.ToDictionary(p => p.Key, p => Math.Max(0, p.Value - before.GetValueOrDefault(p.Key)) / tasks);

    private static IEnumerable<(int Pid, string Group)> Processes()
    {
        if (!Directory.Exists("/proc")) yield break;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            string command;
            try
            {
                command = File.ReadAllText($"{dir}/cmdline").Replace('\0', ' ');
            }
            catch (IOException)
            {
                continue;
            }
            catch (UnauthorizedAccessException)
            {
                continue;
            }
            foreach (var (group, match) in Groups)
            {
                if (command.Contains(match, StringComparison.Ordinal))
                {
                    yield return (pid, group);
                    break;
                }
            }
        }
    }
}
