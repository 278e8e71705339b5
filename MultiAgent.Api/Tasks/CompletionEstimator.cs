using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using MultiAgent.Contracts;
using MultiAgent.Data;

namespace MultiAgent.Api.Tasks;

/// <summary>How long a new task (or revision) will take: the average duration of the last 50 completed tasks.</summary>
public sealed class CompletionEstimator(MultiAgentDbContext db, IMemoryCache cache, IOptions<TaskApiOptions> options)
{
    private const int SampleSize = 50;
    private static readonly object CacheKey = new();

    public async Task<TimeSpan> EstimateAsync(CancellationToken cancellationToken)
    {
        // Recomputed at most once a minute: an estimate does not need to see every completion.
        return await cache.GetOrCreateAsync(CacheKey, async entry =>
        {
            entry.AbsoluteExpirationRelativeToNow = TimeSpan.FromMinutes(1);
            var recent = await db.Tasks.AsNoTracking()
                .Where(t => t.Status == TaskStatus.Completed && t.CompletedAt != null)
                .OrderByDescending(t => t.CompletedAt)
                .Take(SampleSize)
                .Select(t => new { t.CreatedAt, CompletedAt = t.CompletedAt!.Value })
                .ToListAsync(cancellationToken);
            return recent.Count == 0
                ? options.Value.DefaultEstimate
                : TimeSpan.FromTicks((long)recent.Average(t => (t.CompletedAt - t.CreatedAt).Ticks));
        });
    }
}
