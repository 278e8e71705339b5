using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using MultiAgent.Contracts.Api;
using StackExchange.Redis;

namespace MultiAgent.Api.RateLimiting;

/// <summary>Fixed-window counters in Redis, shared by every Api instance.</summary>
public sealed class RateLimiter(IConnectionMultiplexer redis, IOptions<RateLimitOptions> options, TimeProvider time, ILogger<RateLimiter> logger)
{
    public const string ApiEndpoint = "api";
    public const string TaskCreationEndpoint = "task_create";
    private static readonly TimeSpan RedisBudget = TimeSpan.FromSeconds(2);

    // Checks every rule first and counts only when all pass, so a refused request uses up no allowance
    // (a refused task creation does not eat into the day). Returns {0, count...} or {index of the refusing rule, its count}.
    private const string Script = """
        for i, key in ipairs(KEYS) do
          local current = tonumber(redis.call('GET', key) or '0')
          if current >= tonumber(ARGV[2 * i - 1]) then return {i, current} end
        end
        local result = {0}
        for i, key in ipairs(KEYS) do
          local current = redis.call('INCR', key)
          if current == 1 then redis.call('EXPIRE', key, ARGV[2 * i]) end
          table.insert(result, current)
        end
        return result
        """;

    public RateLimitOptions Limits => options.Value;

    public Task<RateLimitDecision?> ApiRequestAsync(string subject)
    {
        var now = time.GetUtcNow();
        return AcquireAsync(subject, now, [new RateLimitRule(ApiEndpoint, FixedWindow.At(now, "minute", FixedWindow.Minute), Limits.ApiRequestsPerMinute)]);
    }

    public Task<RateLimitDecision?> TaskCreationAsync(string userId)
    {
        var now = time.GetUtcNow();
        return AcquireAsync(userId, now,
        [
            new RateLimitRule(TaskCreationEndpoint, FixedWindow.At(now, "hour", FixedWindow.Hour), Limits.TaskCreationPerHour),
            new RateLimitRule(TaskCreationEndpoint, FixedWindow.At(now, "day", FixedWindow.Day), Limits.TaskCreationPerDay),
        ]);
    }

    /// <summary>
    /// Counts the request against every rule, or against none when one refuses it. Null when Redis cannot be reached:
    /// the request is let through (logged) rather than the Api failing with Redis.
    /// </summary>
    public async Task<RateLimitDecision?> AcquireAsync(string subject, DateTimeOffset now, IReadOnlyList<RateLimitRule> rules)
    {
        try
        {
            var keys = rules.Select(r => (RedisKey)r.Window.Key(subject, r.Endpoint)).ToArray();
            var args = rules.SelectMany(r => new RedisValue[] { r.Limit, (long)r.Window.KeyLifetime(now).TotalSeconds }).ToArray();
            var result = (RedisResult[])(await redis.GetDatabase().ScriptEvaluateAsync(Script, keys, args).WaitAsync(RedisBudget))!;
            var refused = (int)result[0];
            if (refused > 0)
            {
                // Current is what the count would be with this request, as the design document's example shows (105 of 100).
                return new RateLimitDecision(false, rules[refused - 1], (long)result[1] + 1, now);
            }

            // The headers describe the tightest allowance left.
            var counts = result.Skip(1).Select(r => (long)r).ToArray();
            var tightest = Enumerable.Range(0, rules.Count).MinBy(i => rules[i].Limit - counts[i]);
            return new RateLimitDecision(true, rules[tightest], counts[tightest], now);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            logger.LogWarning("Rate limits not enforced: Redis is unavailable ({Reason})", ex.GetType().Name);
            return null;
        }
    }

    public static void WriteHeaders(HttpResponse response, RateLimitDecision decision)
    {
        var headers = response.Headers;
        headers["X-RateLimit-Limit"] = decision.Rule.Limit.ToString(CultureInfo.InvariantCulture);
        headers["X-RateLimit-Remaining"] = decision.Remaining.ToString(CultureInfo.InvariantCulture);
        headers["X-RateLimit-Reset"] = decision.Rule.Window.ResetAt.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        if (!decision.Allowed)
        {
            headers.RetryAfter = decision.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        }
    }

    public static RateLimitExceededResponse Body(RateLimitDecision decision, string message) =>
        new("RateLimitExceeded", message, decision.Rule.Limit, decision.Current, decision.Rule.Window.ResetAt, decision.RetryAfterSeconds);

    /// <summary>The 429 response, headers included.</summary>
    public static JsonHttpResult<RateLimitExceededResponse> TooManyRequests(HttpContext context, RateLimitDecision decision, string message)
    {
        WriteHeaders(context.Response, decision);
        return TypedResults.Json(Body(decision, message), statusCode: StatusCodes.Status429TooManyRequests);
    }
}
