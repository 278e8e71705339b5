using System.Globalization;
using StackExchange.Redis;

namespace MultiAgent.AiGateway.Budgets;

/// <summary>A spending limit that applies to a call: per task (the caller's header) or per user per UTC day (configuration).</summary>
public sealed record BudgetScope(string Kind, string Id, decimal LimitUsd, string Key, TimeSpan Ttl)
{
    public static BudgetScope Task(string taskId, decimal limitUsd) =>
        new("task", taskId, limitUsd, $"aigw:budget:task:{taskId}", TimeSpan.FromDays(30));

    public static BudgetScope UserDay(string userId, decimal limitUsd, DateTimeOffset now) =>
        new("user", userId, limitUsd, $"aigw:budget:user:{userId}:{now.UtcDateTime:yyyyMMdd}", TimeSpan.FromDays(2));
}

/// <summary>A call's reservation: what it set aside in each scope, released and replaced by the real cost when it ends.</summary>
public sealed record BudgetReservation(IReadOnlyList<BudgetScope> Scopes, long ReservedMicros)
{
    public static readonly BudgetReservation None = new([], 0);
}

/// <summary>A call refused because a budget has no room for it.</summary>
public sealed record BudgetDenial(BudgetScope Scope, decimal SpentUsd, decimal ReservedUsd, decimal NeededUsd);

/// <summary>
/// Budgets in Redis, in micro-dollars. Before a call, one Lua script checks every scope and reserves the call's most
/// possible cost (prompt estimate × input price + max output tokens × output price) in all of them, or in none; after
/// the call another releases the reservation and adds the real cost. So concurrent calls can never together pass a
/// limit: each sees the others' reservations.
/// </summary>
public sealed class BudgetService(IConnectionMultiplexer redis)
{
    // KEYS: one hash per scope {spent, reserved}. ARGV: amount, then one limit per key, then one ttl (ms) per key.
    // Returns {0} when reserved, else {index (1-based), spent, reserved}.
    private const string ReserveScript = """
        local amount = tonumber(ARGV[1])
        local n = #KEYS
        for i = 1, n do
          local limit = tonumber(ARGV[1 + i])
          local spent = tonumber(redis.call('HGET', KEYS[i], 'spent') or '0')
          local reserved = tonumber(redis.call('HGET', KEYS[i], 'reserved') or '0')
          if spent + reserved + math.max(amount, 1) > limit then
            return {i, spent, reserved}
          end
        end
        for i = 1, n do
          redis.call('HINCRBY', KEYS[i], 'reserved', amount)
          redis.call('PEXPIRE', KEYS[i], tonumber(ARGV[1 + n + i]))
        end
        return {0}
        """;

    // ARGV: reserved amount to release, actual cost to add.
    private const string SettleScript = """
        for i = 1, #KEYS do
          local reserved = redis.call('HINCRBY', KEYS[i], 'reserved', -tonumber(ARGV[1]))
          if reserved < 0 then redis.call('HSET', KEYS[i], 'reserved', 0) end
          redis.call('HINCRBY', KEYS[i], 'spent', tonumber(ARGV[2]))
        end
        return 0
        """;

    public static long ToMicros(decimal usd) => (long)Math.Ceiling(usd * 1_000_000m);

    public static decimal FromMicros(long micros) => micros / 1_000_000m;

    /// <summary>Reserves <paramref name="maxCostUsd"/> in every scope, or returns why not.</summary>
    public async Task<(BudgetReservation? Reservation, BudgetDenial? Denial)> ReserveAsync(IReadOnlyList<BudgetScope> scopes, decimal maxCostUsd)
    {
        if (scopes.Count == 0) return (BudgetReservation.None, null);
        var amount = ToMicros(maxCostUsd);
        RedisValue[] args =
        [
            amount,
            .. scopes.Select(s => (RedisValue)ToMicros(s.LimitUsd)),
            .. scopes.Select(s => (RedisValue)(long)s.Ttl.TotalMilliseconds),
        ];
        var result = (RedisResult[])(await redis.GetDatabase().ScriptEvaluateAsync(ReserveScript, scopes.Select(s => (RedisKey)s.Key).ToArray(), args))!;
        var index = (int)result[0];
        if (index == 0)
        {
            return (new BudgetReservation(scopes, amount), null);
        }

        var scope = scopes[index - 1];
        return (null, new BudgetDenial(scope, FromMicros((long)result[1]), FromMicros((long)result[2]), maxCostUsd));
    }

    /// <summary>Releases the reservation and adds the call's real cost (0 for a failed call) to every scope.</summary>
    public async Task SettleAsync(BudgetReservation reservation, decimal actualCostUsd)
    {
        if (reservation.Scopes.Count == 0) return;
        await redis.GetDatabase().ScriptEvaluateAsync(SettleScript, reservation.Scopes.Select(s => (RedisKey)s.Key).ToArray(),
            [reservation.ReservedMicros, ToMicros(Math.Max(0, actualCostUsd))]);
    }

    /// <summary>What a scope has spent so far (settled calls only).</summary>
    public async Task<decimal> SpentAsync(BudgetScope scope)
    {
        var value = await redis.GetDatabase().HashGetAsync(scope.Key, "spent");
        return value.HasValue ? FromMicros((long)value) : 0m;
    }

    public static string Format(decimal usd) => usd.ToString("0.######", CultureInfo.InvariantCulture);
}
