using StackExchange.Redis;

namespace MultiAgent.Api.Auth;

/// <summary>
/// Access tokens revoked by sign-out: their <c>jti</c> is kept in Redis until the token would have expired anyway,
/// so every Api instance refuses them.
/// </summary>
public sealed class TokenRevocations(IConnectionMultiplexer redis, ILogger<TokenRevocations> logger)
{
    private static readonly TimeSpan RedisBudget = TimeSpan.FromSeconds(2);

    public static string Key(string jti) => $"auth:revoked:{jti}";

    public async Task RevokeAsync(string jti, DateTimeOffset expiresAt, DateTimeOffset now)
    {
        var lifetime = expiresAt - now;
        if (lifetime <= TimeSpan.Zero)
        {
            return;
        }
        await redis.GetDatabase().StringSetAsync(Key(jti), "1", lifetime + TimeSpan.FromMinutes(1)).WaitAsync(RedisBudget);
    }

    /// <summary>
    /// Fails open when Redis is down (logged): refusing every token would take the whole Api down with Redis, and a
    /// revoked access token lives at most its 15 minutes; its refresh family is revoked in Postgres regardless.
    /// </summary>
    public async Task<bool> IsRevokedAsync(string jti)
    {
        try
        {
            return await redis.GetDatabase().KeyExistsAsync(Key(jti)).WaitAsync(RedisBudget);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            logger.LogWarning("Could not check the token revocation list on Redis ({Reason}); accepting the token", ex.GetType().Name);
            return false;
        }
    }
}
