using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using MultiAgent.AiGateway.Caching;
using MultiAgent.AiGateway.Ledger;
using StackExchange.Redis;

namespace MultiAgent.AiGateway.Idempotency;

/// <summary>What the store holds under a key: who claimed it for which request, and once done, the answer and its ledger entry.</summary>
public sealed record IdempotencyRecord(
    [property: JsonPropertyName("request_hash")] string RequestHash,
    [property: JsonPropertyName("owner")] string Owner,
    [property: JsonPropertyName("answer")] StoredAnswer? Answer = null,
    [property: JsonPropertyName("entry")] LedgerEntry? Entry = null);

public enum ClaimOutcome
{
    /// <summary>This call owns the key: go ahead, then <see cref="IdempotencyStore.CompleteAsync"/> or <see cref="IdempotencyStore.ReleaseAsync"/>.</summary>
    Claimed,

    /// <summary>A call with this key already answered: replay its answer, bill nothing.</summary>
    Completed,

    /// <summary>A call with this key is still running.</summary>
    InProgress,

    /// <summary>The key was used for a different request.</summary>
    Mismatch,
}

/// <summary>
/// Idempotency keys (<c>Idempotency-Key</c> header) in Redis: the first call with a key claims it; when it succeeds its
/// answer and ledger entry are kept for 24 hours under the key, and a repeat gets that answer again without a new bill.
/// A failed call releases the key, so a retry runs afresh. A claim is a lease (<see cref="ClaimTtl"/>) that the running
/// call renews (<see cref="KeepClaimed"/>): when a gateway dies mid-call, its claims lapse within the lease and the
/// callers' retries run afresh, instead of being refused as "in use" until they give up.
/// </summary>
public sealed class IdempotencyStore(IConnectionMultiplexer redis)
{
    public static readonly TimeSpan ClaimTtl = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan RenewEvery = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan ResultTtl = TimeSpan.FromHours(24);

    public static string RedisKeyOf(string key) => "aigw:idem:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    public async Task<(ClaimOutcome Outcome, IdempotencyRecord? Record)> ClaimAsync(string key, string requestHash, string owner)
    {
        var db = redis.GetDatabase();
        var redisKey = RedisKeyOf(key);
        var claim = new IdempotencyRecord(requestHash, owner);
        if (await db.StringSetAsync(redisKey, JsonSerializer.SerializeToUtf8Bytes(claim), ClaimTtl, When.NotExists))
        {
            return (ClaimOutcome.Claimed, claim);
        }

        var existing = await db.StringGetAsync(redisKey);
        if (!existing.HasValue)
        {
            // Released or expired between the two commands: try once more.
            return await db.StringSetAsync(redisKey, JsonSerializer.SerializeToUtf8Bytes(claim), ClaimTtl, When.NotExists)
                ? (ClaimOutcome.Claimed, claim)
                : (ClaimOutcome.InProgress, null);
        }

        var record = JsonSerializer.Deserialize<IdempotencyRecord>((byte[])existing!)!;
        if (record.RequestHash != requestHash) return (ClaimOutcome.Mismatch, record);
        return record.Answer is null ? (ClaimOutcome.InProgress, record) : (ClaimOutcome.Completed, record);
    }

    public Task CompleteAsync(string key, IdempotencyRecord record) =>
        redis.GetDatabase().StringSetAsync(RedisKeyOf(key), JsonSerializer.SerializeToUtf8Bytes(record), ResultTtl);

    /// <summary>
    /// Renews the claim on <paramref name="key"/> every <see cref="RenewEvery"/> until disposed. A renewal only ever lengthens
    /// the key's life (PEXPIRE GT): a completed record's 24 hours are never shortened, and a released key stays gone.
    /// </summary>
    public IAsyncDisposable KeepClaimed(string key) => new ClaimRenewal(redis.GetDatabase(), RedisKeyOf(key));

    /// <summary>Frees the key after a failed call, unless another call has claimed it since.</summary>
    public async Task ReleaseAsync(string key, string owner)
    {
        var db = redis.GetDatabase();
        var redisKey = RedisKeyOf(key);
        var existing = await db.StringGetAsync(redisKey);
        if (existing.HasValue && JsonSerializer.Deserialize<IdempotencyRecord>((byte[])existing!) is { Answer: null } r && r.Owner == owner)
        {
            await db.KeyDeleteAsync(redisKey);
        }
    }

    private sealed class ClaimRenewal : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _renewing;

        public ClaimRenewal(IDatabase db, RedisKey key) => _renewing = RenewAsync(db, key, _stop.Token);

        private static async Task RenewAsync(IDatabase db, RedisKey key, CancellationToken cancellationToken)
        {
            using var timer = new PeriodicTimer(RenewEvery);
            try
            {
                while (await timer.WaitForNextTickAsync(cancellationToken))
                {
                    try
                    {
                        await db.KeyExpireAsync(key, ClaimTtl, ExpireWhen.GreaterThanCurrentExpiry);
                    }
                    catch (Exception ex) when (ex is RedisException or TimeoutException)
                    {
                        // The next tick tries again; meanwhile the claim holds for the rest of its lease.
                    }
                }
            }
            catch (OperationCanceledException)
            {
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await _renewing;
            _stop.Dispose();
        }
    }
}
