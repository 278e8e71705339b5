using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Caching.Memory;

namespace MultiAgent.Web.Services.Auth;

/// <summary>
/// The Api tokens of one signed-in browser session. The cookie carries them too (<c>StoreTokens</c>), but a refresh made
/// inside a circuit cannot rewrite the cookie, so the newest pair lives here, keyed by the session id claim, and the cookie
/// catches up on the next request (<see cref="SessionCookieEvents"/>). The refresh token rotates, so refreshes of one session are serialized.
/// </summary>
public sealed class ApiSession(string accessToken, string refreshToken, DateTimeOffset expiresAt)
{
    public const string AccessTokenName = "access_token";
    public const string RefreshTokenName = "refresh_token";
    public const string ExpiresAtName = "expires_at";

    // Renew a little before the Api would refuse the token.
    private static readonly TimeSpan Skew = TimeSpan.FromSeconds(30);

    private readonly SemaphoreSlim gate = new(1, 1);

    public string AccessToken { get; private set; } = accessToken;

    public string RefreshToken { get; private set; } = refreshToken;

    public DateTimeOffset ExpiresAt { get; private set; } = expiresAt;

    /// <summary>The Api refused the refresh token: the person has to sign in again.</summary>
    public bool Ended { get; private set; }

    public bool IsExpiring(DateTimeOffset now) => now + Skew >= ExpiresAt;

    public static ApiSession From(TokenPair pair, DateTimeOffset now) =>
        new(pair.AccessToken, pair.RefreshToken, now.AddSeconds(Math.Max(pair.ExpiresIn, 0)));

    public static ApiSession? From(AuthenticationProperties properties)
    {
        var access = properties.GetTokenValue(AccessTokenName);
        var refresh = properties.GetTokenValue(RefreshTokenName);
        if (string.IsNullOrEmpty(access) || string.IsNullOrEmpty(refresh))
        {
            return null;
        }

        var expiresAt = DateTimeOffset.TryParse(properties.GetTokenValue(ExpiresAtName), System.Globalization.CultureInfo.InvariantCulture,
            System.Globalization.DateTimeStyles.RoundtripKind, out var at) ? at : DateTimeOffset.MinValue;
        return new ApiSession(access, refresh, expiresAt);
    }

    public IEnumerable<AuthenticationToken> ToTokens() =>
    [
        new() { Name = AccessTokenName, Value = AccessToken },
        new() { Name = RefreshTokenName, Value = RefreshToken },
        new() { Name = ExpiresAtName, Value = ExpiresAt.ToString("O", System.Globalization.CultureInfo.InvariantCulture) },
    ];

    /// <summary>
    /// Exchanges the refresh token for a new pair, once: callers that saw <paramref name="staleAccessToken"/> fail while another
    /// caller already renewed it get the new token without a second exchange (which the rotated refresh token would fail).
    /// </summary>
    public async Task<ApiResult<string>> RefreshAsync(string? staleAccessToken, AuthApiClient auth, TimeProvider clock, CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken);
        try
        {
            if (Ended)
            {
                return ApiError.SessionEnded("renew the session");
            }

            var now = clock.GetUtcNow();
            if (staleAccessToken is not null && staleAccessToken != AccessToken && !IsExpiring(now))
            {
                return AccessToken;
            }

            var result = await auth.RefreshAsync(RefreshToken, cancellationToken);
            if (result.IsSuccess && result.Value.IsComplete)
            {
                AccessToken = result.Value.AccessToken;
                RefreshToken = result.Value.RefreshToken;
                ExpiresAt = now.AddSeconds(Math.Max(result.Value.ExpiresIn, 0));
                return AccessToken;
            }

            if (result.IsSuccess || result.Error.Kind is ApiErrorKind.Unauthorized or ApiErrorKind.Rejected or ApiErrorKind.Validation or ApiErrorKind.InvalidResponse)
            {
                Ended = true;
                return ApiError.SessionEnded("renew the session");
            }

            // Unreachable, timed out, rate limited: the session may well still be good; say what happened instead of signing out.
            return result.Error;
        }
        finally
        {
            gate.Release();
        }
    }

    public void End() => Ended = true;
}

/// <summary>All signed-in sessions of this Web instance, by session id. A restart loses them; each reseeds from its cookie.</summary>
public sealed class WebSessions(IMemoryCache cache)
{
    public const string SessionClaim = "web_session";

    private static readonly TimeSpan Idle = TimeSpan.FromHours(12);

    public string Start(ApiSession session)
    {
        var id = Guid.NewGuid().ToString("N");
        Set(id, session);
        return id;
    }

    public ApiSession? Find(string? sessionId) =>
        sessionId is not null && cache.TryGetValue(Key(sessionId), out ApiSession? session) ? session : null;

    /// <summary>The session's tokens, seeded from the cookie's when this instance does not know the session (e.g. after a restart).</summary>
    public ApiSession? FindOrSeed(string sessionId, AuthenticationProperties properties)
    {
        if (Find(sessionId) is { } session)
        {
            return session;
        }

        if (ApiSession.From(properties) is not { } seeded)
        {
            return null;
        }

        Set(sessionId, seeded);
        return seeded;
    }

    public void Remove(string? sessionId)
    {
        if (Find(sessionId) is { } session)
        {
            session.End();
            cache.Remove(Key(sessionId!));
        }
    }

    private void Set(string id, ApiSession session) =>
        cache.Set(Key(id), session, new MemoryCacheEntryOptions { SlidingExpiration = Idle });

    private static string Key(string id) => "web-session:" + id;
}
