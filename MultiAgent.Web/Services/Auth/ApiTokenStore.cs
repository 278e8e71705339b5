using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;

namespace MultiAgent.Web.Services.Auth;

/// <summary>
/// The signed-in user's Api access token, for one Blazor scope (a circuit, or a prerendering request). The user comes from
/// the circuit's authentication state (the cookie at circuit start); the tokens from that cookie's session in <see cref="WebSessions"/>.
/// </summary>
public sealed class ApiTokenStore(
    AuthenticationStateProvider authenticationState,
    WebSessions sessions,
    AuthApiClient auth,
    NavigationManager navigation,
    TimeProvider clock,
    ILogger<ApiTokenStore> logger)
{
    private bool redirected;

    /// <summary>A usable access token, renewed first when it is about to expire.</summary>
    public async Task<ApiResult<string>> GetAccessTokenAsync(CancellationToken cancellationToken = default)
    {
        if (await FindSessionAsync() is not { } session)
        {
            return ApiError.SessionEnded("use the API");
        }

        if (session.Ended)
        {
            return ApiError.SessionEnded("renew the session");
        }

        return session.IsExpiring(clock.GetUtcNow())
            ? await session.RefreshAsync(session.AccessToken, auth, clock, cancellationToken)
            : session.AccessToken;
    }

    /// <summary>The Api refused <paramref name="rejectedAccessToken"/>: renew it once.</summary>
    public async Task<ApiResult<string>> RefreshAsync(string rejectedAccessToken, CancellationToken cancellationToken = default)
    {
        if (await FindSessionAsync() is not { } session)
        {
            return ApiError.SessionEnded("renew the session");
        }

        var result = await session.RefreshAsync(rejectedAccessToken, auth, clock, cancellationToken);
        if (!result.IsSuccess)
        {
            logger.LogInformation("Renewing the API session failed: {Title}", result.Error.Title);
        }

        return result;
    }

    /// <summary>For the hub's <c>AccessTokenProvider</c>: the token, or null (the hub then answers 401 and the page polls).</summary>
    public async Task<string?> GetAccessTokenOrNullAsync()
    {
        var result = await GetAccessTokenAsync();
        return result.IsSuccess ? result.Value : null;
    }

    /// <summary>Sends the person to the sign-in page, back to where they are afterwards. Once per scope.</summary>
    public void RedirectToSignIn()
    {
        if (redirected)
        {
            return;
        }

        redirected = true;
        navigation.NavigateTo(SignInPaths.SignInUrl(navigation) + "&sessionEnded=true", forceLoad: true);
    }

    private async Task<ApiSession?> FindSessionAsync()
    {
        var state = await authenticationState.GetAuthenticationStateAsync();
        return sessions.Find(state.User.FindFirst(WebSessions.SessionClaim)?.Value);
    }
}

public static class SignInPaths
{
    public const string SignIn = "/signin";
    public const string SignUp = "/signup";
    public const string SignOut = "/signout";
    public const string Forbidden = "/forbidden";

    public static string SignInUrl(NavigationManager navigation) =>
        SignIn + "?returnUrl=" + Uri.EscapeDataString("/" + navigation.ToBaseRelativePath(navigation.Uri));

    /// <summary>Only paths of this app: never another site (an open redirect), never back to the sign-in pages themselves.</summary>
    public static string SafeReturnUrl(string? returnUrl)
    {
        if (string.IsNullOrEmpty(returnUrl) || returnUrl[0] != '/' || returnUrl.StartsWith("//", StringComparison.Ordinal)
            || returnUrl.StartsWith("/\\", StringComparison.Ordinal) || returnUrl.Contains("://", StringComparison.Ordinal))
        {
            return "/";
        }

        var path = returnUrl.Split('?', '#')[0];
        return path.Equals(SignIn, StringComparison.OrdinalIgnoreCase) || path.Equals(SignUp, StringComparison.OrdinalIgnoreCase)
            || path.Equals(SignOut, StringComparison.OrdinalIgnoreCase)
            ? "/"
            : returnUrl;
    }
}
