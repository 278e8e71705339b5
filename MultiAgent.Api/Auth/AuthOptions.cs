namespace MultiAgent.Api.Auth;

/// <summary>
/// The <c>Auth</c> section. Either the Api issues its own tokens (HS256 with <see cref="SigningKey"/>, the AppHost's
/// generated <c>jwt-signing-key</c>), or, with <see cref="Authority"/> set, it trusts an external OpenID Connect
/// authority (Entra ID, Keycloak...) and the local sign-up and sign-in endpoints are not mapped.
/// </summary>
public sealed class AuthOptions
{
    public const string SectionName = "Auth";
    public const string LocalIssuer = "multiagent";
    public const string LocalAudience = "multiagent-api";

    public string? SigningKey { get; set; }
    public string? Authority { get; set; }
    public string? Audience { get; set; }
    public TimeSpan AccessTokenLifetime { get; set; } = TimeSpan.FromMinutes(15);
    public TimeSpan RefreshTokenLifetime { get; set; } = TimeSpan.FromDays(7);

    public bool UsesExternalAuthority => !string.IsNullOrWhiteSpace(Authority);
}

/// <summary>The claims of our access tokens (JWT registered names; <c>sid</c> is the refresh-token family).</summary>
public static class AuthClaims
{
    public const string Subject = "sub";
    public const string Email = "email";
    /// <summary>The display name (else the email), so a client can greet the person without another call.</summary>
    public const string Name = "name";
    public const string Role = "role";
    public const string Roles = "roles";
    public const string TokenId = "jti";
    public const string Session = "sid";
    public const string Expires = "exp";
}

public static class AuthPolicies
{
    public const string Admin = "admin";
}
