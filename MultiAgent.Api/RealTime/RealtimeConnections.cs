using Microsoft.Extensions.Options;
using MultiAgent.Api.RateLimiting;
using StackExchange.Redis;

namespace MultiAgent.Api.RealTime;

/// <summary>
/// Each user's open hub connections, counted in Redis across Api instances (a sorted set of connection ids scored by
/// connect time). Entries older than <see cref="StaleAfter"/> are dropped, so an instance that crashed without
/// saying goodbye cannot lock a user out for good.
/// </summary>
public sealed class RealtimeConnections(IConnectionMultiplexer redis, IOptions<RateLimitOptions> options, TimeProvider time, ILogger<RealtimeConnections> logger)
{
    public static readonly TimeSpan StaleAfter = TimeSpan.FromHours(12);
    private static readonly TimeSpan RedisBudget = TimeSpan.FromSeconds(2);

    public static string Key(string userId) => $"realtime:connections:{userId}";

    // KEYS[1] set; ARGV: now (ms), stale-before (ms), limit, connection id (empty: count only), ttl (s).
    private const string Script = """
        redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[2])
        local count = redis.call('ZCARD', KEYS[1])
        if ARGV[4] == '' then return count end
        if redis.call('ZSCORE', KEYS[1], ARGV[4]) then return 0 end
        if count >= tonumber(ARGV[3]) then return -1 end
        redis.call('ZADD', KEYS[1], ARGV[1], ARGV[4])
        redis.call('EXPIRE', KEYS[1], ARGV[5])
        return count + 1
        """;

    public int Limit => options.Value.RealtimeConnectionsPerUser;

    /// <summary>Whether the user is already at the limit (checked at negotiation, before a connection exists).</summary>
    public async Task<bool> IsFullAsync(string userId) => await RunAsync(userId, "") is { } count && count >= Limit;

    /// <summary>Records the connection; false when it would be one too many.</summary>
    public async Task<bool> TryOpenAsync(string userId, string connectionId) => await RunAsync(userId, connectionId) is not -1;

    public async Task CloseAsync(string userId, string connectionId)
    {
        try
        {
            await redis.GetDatabase().SortedSetRemoveAsync(Key(userId), connectionId).WaitAsync(RedisBudget);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            logger.LogWarning("Could not release a real-time connection of {UserId} ({Reason}); it lapses after {Hours} hours",
                userId, ex.GetType().Name, StaleAfter.TotalHours);
        }
    }

    private async Task<long?> RunAsync(string userId, string connectionId)
    {
        var now = time.GetUtcNow();
        try
        {
            return (long)(await redis.GetDatabase().ScriptEvaluateAsync(Script, [Key(userId)],
            [
                now.ToUnixTimeMilliseconds(),
                (now - StaleAfter).ToUnixTimeMilliseconds(),
                Limit,
                connectionId,
                (long)StaleAfter.TotalSeconds,
            ]).WaitAsync(RedisBudget));
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            logger.LogWarning("Real-time connection limit not enforced: Redis is unavailable ({Reason})", ex.GetType().Name);
            return null;
        }
    }
}
