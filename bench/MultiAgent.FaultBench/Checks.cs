using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using MultiAgent.AiGateway.Ledger;
using MultiAgent.Contracts;

namespace MultiAgent.FaultBench;

internal sealed record Check(string Name, bool Passed, string Detail);

/// <summary>
/// What must hold after the faults, read from the stores once every task has ended: one final answer per completed task and no
/// solution stored twice (platform database), and no model call billed twice or paid for without a bill (the gateway's ledger,
/// against the gateway's own log of the model calls it answered).
/// </summary>
internal static partial class Checks
{
    public static async Task<List<Check>> SolutionsAsync(FaultPlatform platform, IReadOnlyCollection<string> completed, CancellationToken cancellationToken)
    {
        await using var db = await platform.PlatformDbAsync();
        var ids = completed.ToList();
        var solutions = await db.Solutions.AsNoTracking().Where(s => ids.Contains(s.TaskId))
            .Select(s => new { s.TaskId, s.SubtaskId, s.SolutionType, s.Version })
            .ToListAsync(cancellationToken);
        var byTask = solutions.ToLookup(s => s.TaskId);

        var finals = ids.Where(id => byTask[id].Count(s => s.SolutionType == SolutionTypes.Final) != 1).ToList();
        var duplicated = ids.Where(id => byTask[id].Count() != byTask[id].Select(s => (s.SubtaskId, s.SolutionType, s.Version)).Distinct().Count()).ToList();
        return
        [
            new("one final solution per completed task", finals.Count == 0,
                finals.Count == 0 ? $"{ids.Count} tasks, {solutions.Count} solutions" : $"{finals.Count} task(s) without exactly one: {Sample(finals)}"),
            new("no solution stored twice (subtask, type, version)", duplicated.Count == 0,
                duplicated.Count == 0 ? "none" : $"{duplicated.Count} task(s): {Sample(duplicated)}"),
        ];
    }

    public static async Task<(List<Check> Checks, LedgerFigures Figures)> LedgerAsync(FaultPlatform platform, IReadOnlyCollection<string> taskIds,
        CancellationToken cancellationToken)
    {
        await using var ledger = await platform.LedgerDbAsync();
        var ids = taskIds.ToList();
        var rows = await ledger.Usage.AsNoTracking().Where(u => ids.Contains(u.TaskId!))
            .Select(u => new { u.TaskId, u.IdempotencyKey, u.Outcome, u.CacheHit })
            .ToListAsync(cancellationToken);
        var ok = rows.Where(r => r.Outcome == UsageQueries.Ok).ToList();

        var twice = ok.Where(r => r.IdempotencyKey is not null).GroupBy(r => r.IdempotencyKey).Where(g => g.Count() > 1).Select(g => g.Key!).ToList();
        var keyless = ok.Count(r => r.IdempotencyKey is null);
        // A key is {task}:{step}:{attempt}; a step asked again (its answer was unusable) is a new request, not a repeat.
        var reasked = ok.Where(r => r.IdempotencyKey is not null)
            .GroupBy(r => r.IdempotencyKey![..r.IdempotencyKey!.LastIndexOf(':')])
            .Count(g => g.Count() > 1);

        // Every model call the gateway answered from a provider, from its log, against the billed (non-cache) rows of the ledger.
        var answered = ProviderCallsByTask(platform);
        var billed = ok.Where(r => !r.CacheHit).GroupBy(r => r.TaskId!).ToDictionary(g => g.Key, g => g.Count());
        var unbilled = ids.Select(id => (Id: id, Extra: answered.GetValueOrDefault(id) - billed.GetValueOrDefault(id))).Where(x => x.Extra > 0).ToList();
        var loggedCalls = answered.Values.Sum();

        var figures = new LedgerFigures(rows.Count, ok.Count, rows.Count - ok.Count, ok.Count(r => r.CacheHit), loggedCalls, reasked);
        List<Check> checks =
        [
            new("no usage row twice for one idempotency key", twice.Count == 0 && keyless == 0,
                twice.Count == 0 && keyless == 0 ? $"{ok.Count} ok rows, all with distinct keys" :
                $"{twice.Count} key(s) twice ({Sample(twice)}), {keyless} ok row(s) without a key"),
            loggedCalls == 0
                ? new("no model call paid for twice", false, "the gateway's log shows no answered calls: the check could not run (see logs/aigateway*.log)")
                : new("no model call paid for twice", unbilled.Count == 0,
                    unbilled.Count == 0
                        ? $"{loggedCalls} provider calls in the gateway's log, each billed once in the ledger"
                        : $"{unbilled.Sum(x => x.Extra)} provider call(s) more than the ledger bills, in {unbilled.Count} task(s): " +
                          Sample(unbilled.Select(x => $"{x.Id} (+{x.Extra})").ToList())),
        ];
        return (checks, figures);
    }

    /// <summary>Provider-answered calls per task, from the gateway's Debug line "Chat completion by ... (cache hit False, ...; task X, agent Y)".</summary>
    private static Dictionary<string, int> ProviderCallsByTask(FaultPlatform platform)
    {
        var counts = new Dictionary<string, int>();
        foreach (var file in platform.LogFiles("aigateway"))
        {
            foreach (var line in File.ReadLines(file))
            {
                var match = CompletionLine().Match(line);
                if (!match.Success) continue;
                var task = match.Groups["task"].Value;
                counts[task] = counts.GetValueOrDefault(task) + 1;
            }
        }
        return counts;
    }

    [GeneratedRegex(@"Chat completion by .*\(cache hit False, .*; task (?<task>[^,\s)]+), agent")]
    private static partial Regex CompletionLine();

    private static string Sample(IReadOnlyList<string> items) => string.Join(", ", items.Take(5)) + (items.Count > 5 ? ", ..." : "");
}

internal sealed record LedgerFigures(int Rows, int OkRows, int OtherRows, int CacheHits, int ProviderCallsLogged, int StepsAskedAgain);
