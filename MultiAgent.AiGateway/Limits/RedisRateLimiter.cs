using StackExchange.Redis;

namespace MultiAgent.AiGateway.Limits;

/// <summary>The outcome of asking for room under a provider's limits.</summary>
public readonly record struct RateLimitLease(bool Acquired, string CallId, TimeSpan RetryAfter)
{
    public static RateLimitLease None => new(true, "", TimeSpan.Zero);
}

/// <summary>
/// Per-provider RPM and TPM limits shared by every gateway replica: an exact sliding one-minute log in Redis (a sorted set
/// of call ids by time, and their token counts), checked and taken in one Lua script, on Redis's clock. A call reserves
/// its prompt estimate plus its max output tokens, settled to the reported usage after the call. Over the limit, a call
/// waits (at most <c>QueueTimeoutSeconds</c>, at most <c>MaxQueue</c> waiting per replica) and then gets a Retry-After.
/// </summary>
public sealed class RedisRateLimiter(IConnectionMultiplexer redis)
{
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    // KEYS: log (zset id -> ms), tokens (hash id -> tokens). ARGV: rpm (0 = none), tpm (0 = none), tokens, id.
    // Returns 0 when taken, else the milliseconds until room may be free.
    private const string AcquireScript = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        local window = 60000
        local rpm, tpm, need, id = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
        local expired = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now - window)
        if #expired > 0 then
          redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
          for i = 1, #expired, 500 do
            redis.call('HDEL', KEYS[2], unpack(expired, i, math.min(i + 499, #expired)))
          end
        end
        local count = redis.call('ZCARD', KEYS[1])
        local wait = 0
        if rpm > 0 and count >= rpm then
          local oldest = redis.call('ZRANGE', KEYS[1], count - rpm, count - rpm, 'WITHSCORES')
          wait = tonumber(oldest[2]) + window - now
        end
        if tpm > 0 then
          local used = 0
          for _, v in ipairs(redis.call('HVALS', KEYS[2])) do used = used + tonumber(v) end
          if used > 0 and used + need > tpm then
            local entries = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
            local freed = 0
            for i = 1, #entries, 2 do
              freed = freed + (tonumber(redis.call('HGET', KEYS[2], entries[i])) or 0)
              if used - freed + need <= tpm then
                wait = math.max(wait, tonumber(entries[i + 1]) + window - now)
                break
              end
            end
            if wait == 0 then wait = window end
          end
        end
        if wait > 0 then return math.max(1, wait) end
        redis.call('ZADD', KEYS[1], now, id)
        if tpm > 0 then redis.call('HSET', KEYS[2], id, need) end
        redis.call('PEXPIRE', KEYS[1], window * 2)
        redis.call('PEXPIRE', KEYS[2], window * 2)
        return 0
        """;

    private const string SettleScript = """
        if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) end
        return 0
        """;

    private readonly Dictionary<string, int> _waiting = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    /// <summary>Takes room for one call of <paramref name="tokens"/> tokens, waiting up to <paramref name="queueTimeout"/>.</summary>
    public async Task<RateLimitLease> AcquireAsync(string provider, int? rpm, int? tpm, long tokens, TimeSpan queueTimeout, int maxQueue, CancellationToken cancellationToken)
    {
        var id = Guid.NewGuid().ToString("N");
        var keys = Keys(provider);
        var deadline = DateTime.UtcNow + queueTimeout;
        var queued = false;
        try
        {
            while (true)
            {
                var result = (long)await redis.GetDatabase().ScriptEvaluateAsync(AcquireScript, keys,
                    [rpm ?? 0, tpm ?? 0, tokens, id]);
                if (result == 0)
                {
                    return new RateLimitLease(true, id, TimeSpan.Zero);
                }

                var wait = TimeSpan.FromMilliseconds(result);
                var left = deadline - DateTime.UtcNow;
                if (left <= TimeSpan.Zero || wait > left)
                {
                    return new RateLimitLease(false, id, wait);
                }

                if (!queued)
                {
                    lock (_lock)
                    {
                        var waiting = _waiting.GetValueOrDefault(provider);
                        if (waiting >= maxQueue) return new RateLimitLease(false, id, wait);
                        _waiting[provider] = waiting + 1;
                    }
                    queued = true;
                }

                // Another replica's call may end sooner than the oldest entry expires (settling tokens): look again within a second.
                var pause = wait < TimeSpan.FromSeconds(1) ? wait : TimeSpan.FromSeconds(1);
                await Task.Delay(pause + TimeSpan.FromMilliseconds(Random.Shared.Next(1, 25)), cancellationToken);
            }
        }
        finally
        {
            if (queued)
            {
                lock (_lock) _waiting[provider]--;
            }
        }
    }

    /// <summary>Replaces a call's reserved tokens by what it used (0 for a call that failed before using any).</summary>
    public async Task SettleAsync(string provider, RateLimitLease lease, long tokens)
    {
        if (!lease.Acquired || lease.CallId.Length == 0) return;
        try
        {
            await redis.GetDatabase().ScriptEvaluateAsync(SettleScript, [Keys(provider)[1]], [lease.CallId, tokens], CommandFlags.FireAndForget);
        }
        catch (RedisException)
        {
            // The reservation stays counted until it leaves the window: the safe side.
        }
    }

    private static RedisKey[] Keys(string provider) => [$"aigw:rl:{{{provider}}}:log", $"aigw:rl:{{{provider}}}:tokens"];
}
