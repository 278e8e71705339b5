using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;
using MultiAgent.AiGateway.Providers;
using StackExchange.Redis;

namespace MultiAgent.AiGateway.Caching;

/// <summary>A whole answer as the cache (and the idempotency store) keeps it.</summary>
public sealed record StoredAnswer(
    [property: JsonPropertyName("text")] string Text,
    [property: JsonPropertyName("finish_reason")] string FinishReason,
    [property: JsonPropertyName("provider")] string Provider,
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("input_tokens")] int InputTokens,
    [property: JsonPropertyName("output_tokens")] int OutputTokens,
    [property: JsonPropertyName("system_fingerprint")] string? SystemFingerprint);

/// <summary>
/// The exact-match response cache in Redis (<c>aigw:cache:&lt;sha256&gt;</c>, TTL <c>AI:Cache:TtlSeconds</c>). Reads look up every
/// target of the route at once; writes are fire-and-forget after the answer has gone out. Redis being away means a miss.
/// </summary>
public sealed partial class ResponseCache(IConnectionMultiplexer redis, IOptionsMonitor<AiGatewayOptions> options, ILogger<ResponseCache> logger)
{
    public bool Enabled => options.CurrentValue.Cache.Enabled;

    /// <summary>The first cached answer among <paramref name="keys"/> (in route order), with its index.</summary>
    public async Task<(StoredAnswer Answer, int Index)?> GetAsync(IReadOnlyList<string> keys)
    {
        try
        {
            var values = await redis.GetDatabase().StringGetAsync(keys.Select(k => (RedisKey)("aigw:cache:" + k)).ToArray());
            for (var i = 0; i < values.Length; i++)
            {
                if (values[i].HasValue && JsonSerializer.Deserialize<StoredAnswer>((byte[])values[i]!) is { } answer)
                {
                    return (answer, i);
                }
            }
        }
        catch (Exception ex) when (ex is RedisException or JsonException or TimeoutException)
        {
            LogReadFailed(logger, ex.GetType().Name);
        }
        return null;
    }

    public void Set(string key, StoredAnswer answer)
    {
        try
        {
            redis.GetDatabase().StringSet("aigw:cache:" + key, JsonSerializer.SerializeToUtf8Bytes(answer),
                TimeSpan.FromSeconds(options.CurrentValue.Cache.TtlSeconds), flags: CommandFlags.FireAndForget);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            LogWriteFailed(logger, ex.GetType().Name);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Response cache read failed ({Error}); treated as a miss")]
    private static partial void LogReadFailed(ILogger logger, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Response cache write failed ({Error})")]
    private static partial void LogWriteFailed(ILogger logger, string error);
}
