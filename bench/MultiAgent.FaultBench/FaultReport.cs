using System.Globalization;
using System.Text;

namespace MultiAgent.FaultBench;

/// <param name="InFlight">Tasks not yet ended when the fault was injected.</param>
/// <param name="HealthySeconds">From the fault until Aspire reports the resource healthy again.</param>
/// <param name="RecoveredSeconds">From the fault until the Api answers and shows a task moving again; null: it did not.</param>
internal sealed record FaultResult(string Fault, int InFlight, double HealthySeconds, double? RecoveredSeconds, string? Error);

internal sealed record FaultReport(
    int Tasks,
    int Users,
    int LatencyMs,
    int Submitted,
    int Completed,
    int Failed,
    int Cancelled,
    int Stuck,
    int Lost,
    double AllEndedSeconds,
    int FailedPolls,
    IReadOnlyList<FaultResult> Faults,
    LedgerFigures Ledger,
    IReadOnlyList<Check> Checks,
    IReadOnlyList<string> FailureSamples)
{
    public bool Passed => Checks.All(c => c.Passed);

    public void Print() => Console.WriteLine(Environment.NewLine + Markdown());

    public string Markdown()
    {
        var s = new StringBuilder();
        var i = CultureInfo.InvariantCulture;
        s.AppendLine(i, $"# Faults under load: {(Passed ? "PASSED" : "FAILED")}");
        s.AppendLine();
        s.AppendLine(i, $"{Tasks} tasks from {Users} users, simulated model {LatencyMs} ms per call, {Environment.ProcessorCount} cores; " +
                        $"all ended {AllEndedSeconds:F0} s after submission; {FailedPolls} poll(s) could not reach the Api.");
        s.AppendLine();
        s.AppendLine("| Fault | Tasks in flight | Resource healthy again (s) | Platform progressing again (s) |");
        s.AppendLine("| --- | --- | --- | --- |");
        foreach (var f in Faults)
        {
            s.AppendLine(i, $"| {f.Fault} | {f.InFlight} | {f.HealthySeconds:F1} | {(f.RecoveredSeconds is { } r ? r.ToString("F1", i) : "did not recover" + (f.Error is null ? "" : $": {f.Error}"))} |");
        }
        s.AppendLine();
        s.AppendLine(i, $"Tasks: submitted {Submitted}, completed {Completed}, failed {Failed}, cancelled {Cancelled}, stuck {Stuck}, lost {Lost}.");
        s.AppendLine(i, $"Ledger: {Ledger.Rows} rows ({Ledger.OkRows} ok, {Ledger.OtherRows} failed or refused calls, {Ledger.CacheHits} cache hits); " +
                        $"{Ledger.ProviderCallsLogged} provider calls in the gateway's log; {Ledger.StepsAskedAgain} step(s) asked again after an unusable answer.");
        s.AppendLine();
        s.AppendLine("| Check | Result | Detail |");
        s.AppendLine("| --- | --- | --- |");
        foreach (var c in Checks) s.AppendLine(i, $"| {c.Name} | {(c.Passed ? "pass" : "**FAIL**")} | {c.Detail} |");
        if (FailureSamples.Count > 0)
        {
            s.AppendLine();
            s.AppendLine("Tasks that did not complete (first five):");
            foreach (var f in FailureSamples) s.AppendLine(i, $"- {f}");
        }
        return s.ToString();
    }
}
