using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Antiforgery;

namespace MultiAgent.Web.Services.Auth;

internal static class AuthEndpoints
{
    /// <summary>POST /signout from the top bar's form (antiforgery-checked): ends the Api session, then the cookie.</summary>
    public static void MapAuthEndpoints(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapPost(SignInPaths.SignOut, async (HttpContext context, WebSessions sessions, AuthApiClient auth) =>
            {
                var sessionId = context.User.FindFirst(WebSessions.SessionClaim)?.Value;
                var accessToken = sessions.Find(sessionId)?.AccessToken ?? await context.GetTokenAsync(ApiSession.AccessTokenName);
                if (!string.IsNullOrEmpty(accessToken))
                {
                    using var timeout = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
                    timeout.CancelAfter(TimeSpan.FromSeconds(5));
                    try
                    {
                        await auth.LogoutAsync(accessToken, timeout.Token);
                    }
                    catch (OperationCanceledException)
                    {
                    }
                }

                sessions.Remove(sessionId);
                await context.SignOutAsync(SessionCookie.Scheme);
                return Results.LocalRedirect(SignInPaths.SignIn + "?signedOut=true");
            })
            .WithMetadata(new RequireAntiforgeryTokenAttribute());
}
