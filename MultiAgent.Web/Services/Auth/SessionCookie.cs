using System.Security.Claims;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;

namespace MultiAgent.Web.Services.Auth;

/// <summary>The Web's own sign-in: a cookie holding who the user is and, in its properties, the Api tokens.</summary>
public static class SessionCookie
{
    public const string Scheme = CookieAuthenticationDefaults.AuthenticationScheme;
    public const string DisplayNameClaim = "name";
    public const string RoleClaim = "role";
    public const string AdminRole = "admin";

    /// <summary>Signs the person in with tokens the Api just issued. The claims are read from the access token the Api sent
    /// over a direct call; the Api validates it on every use, so the Web does not need its signing key.</summary>
    public static async Task SignInAsync(HttpContext context, WebSessions sessions, TokenPair tokens, string? displayName, TimeProvider clock)
    {
        var session = ApiSession.From(tokens, clock.GetUtcNow());
        var sessionId = sessions.Start(session);
        var claims = ReadJwtClaims(tokens.AccessToken);

        var sub = First(claims, "sub", "nameid", ClaimTypes.NameIdentifier) ?? "";
        var email = First(claims, "email", ClaimTypes.Email) ?? "";
        var name = displayName ?? First(claims, "display_name", "name", "given_name", "unique_name") ?? email;
        var roles = All(claims, "role", "roles", ClaimTypes.Role).DefaultIfEmpty("user");

        var identity = new ClaimsIdentity(
            [
                new Claim("sub", sub),
                new Claim(ClaimTypes.NameIdentifier, sub),
                new Claim("email", email),
                new Claim(DisplayNameClaim, string.IsNullOrWhiteSpace(name) ? email : name),
                new Claim(WebSessions.SessionClaim, sessionId),
                .. roles.Distinct(StringComparer.Ordinal).Select(r => new Claim(RoleClaim, r)),
            ],
            Scheme, DisplayNameClaim, RoleClaim);

        var properties = new AuthenticationProperties { IsPersistent = false };
        properties.StoreTokens(session.ToTokens());
        await context.SignInAsync(Scheme, new ClaimsPrincipal(identity), properties);
    }

    private static string? First(List<(string Type, string Value)> claims, params string[] types) =>
        types.SelectMany(t => claims.Where(c => c.Type == t)).Select(c => c.Value).FirstOrDefault(v => !string.IsNullOrWhiteSpace(v));

    private static IEnumerable<string> All(List<(string Type, string Value)> claims, params string[] types) =>
        claims.Where(c => types.Contains(c.Type) && !string.IsNullOrWhiteSpace(c.Value)).Select(c => c.Value);

    /// <summary>The payload's claims (arrays become one claim per item). Not a validation: see <see cref="SignInAsync"/>.</summary>
    public static List<(string Type, string Value)> ReadJwtClaims(string jwt)
    {
        var result = new List<(string, string)>();
        var parts = jwt.Split('.');
        if (parts.Length < 2)
        {
            return result;
        }

        try
        {
            var payload = parts[1].Replace('-', '+').Replace('_', '/');
            payload = payload.PadRight(payload.Length + ((4 - (payload.Length % 4)) % 4), '=');
            using var document = JsonDocument.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(payload)));
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return result;
            }

            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (property.Value.ValueKind == JsonValueKind.Array)
                {
                    result.AddRange(property.Value.EnumerateArray().Select(v => (property.Name, ToText(v))));
                }
                else
                {
                    result.Add((property.Name, ToText(property.Value)));
                }
            }
        }
        catch (Exception ex) when (ex is FormatException or JsonException or ArgumentException)
        {
            // Not a JWT we can read: the person is signed in with what the Api said, and shown by email.
        }

        return result;
    }

    private static string ToText(JsonElement value) => value.ValueKind == JsonValueKind.String ? value.GetString() ?? "" : value.GetRawText();
}

/// <summary>
/// On every request: the cookie's session must still be known and alive (else the person signs in again), and the cookie
/// takes the newest tokens when a circuit renewed them since it was written.
/// </summary>
public sealed class SessionCookieEvents(WebSessions sessions) : CookieAuthenticationEvents
{
    public override async Task ValidatePrincipal(CookieValidatePrincipalContext context)
    {
        var sessionId = context.Principal?.FindFirst(WebSessions.SessionClaim)?.Value;
        var session = sessionId is null ? null : sessions.FindOrSeed(sessionId, context.Properties);
        if (session is null || session.Ended)
        {
            sessions.Remove(sessionId);
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(SessionCookie.Scheme);
            return;
        }

        if (context.Properties.GetTokenValue(ApiSession.RefreshTokenName) != session.RefreshToken)
        {
            context.Properties.StoreTokens(session.ToTokens());
            context.ShouldRenew = true;
        }
    }
}
