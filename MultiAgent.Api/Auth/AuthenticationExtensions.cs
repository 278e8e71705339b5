using System.Security.Claims;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.IdentityModel.Tokens;
using MultiAgent.Api.Identity;
using MultiAgent.Contracts.Events;
using MultiAgent.Contracts.Validation;
using MultiAgent.Data;
using MultiAgent.Data.Identity;

namespace MultiAgent.Api.Auth;

public static class AuthenticationExtensions
{
    /// <summary>
    /// JwtBearer over our own HS256 tokens, or over an external authority when <c>Auth:Authority</c> is set;
    /// Identity's user manager for sign-up and sign-in; the <c>admin</c> policy.
    /// </summary>
    public static void AddPlatformAuthentication(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        var section = builder.Configuration.GetSection(AuthOptions.SectionName);
        var settings = section.Get<AuthOptions>() ?? new AuthOptions();
        services.AddOptions<AuthOptions>().Bind(section);
        // Fail at startup, not at the first request, when neither a signing key nor an authority is configured.
        var signingKey = settings.UsesExternalAuthority ? null : TokenService.SigningKey(settings);

        services.AddMultiAgentIdentity();
        services.AddScoped<ICurrentUser, ClaimsCurrentUser>();
        services.AddScoped<TokenService>();
        services.AddSingleton<TokenRevocations>();

        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme)
            .AddJwtBearer(options =>
            {
                // Keep the JWT claim names (sub, role) instead of the legacy WS-Federation URIs.
                options.MapInboundClaims = false;
                if (settings.UsesExternalAuthority)
                {
                    options.Authority = settings.Authority;
                    options.Audience = settings.Audience;
                    options.TokenValidationParameters.NameClaimType = AuthClaims.Subject;
                    options.TokenValidationParameters.RoleClaimType = AuthClaims.Role;
                }
                else
                {
                    options.TokenValidationParameters = new TokenValidationParameters
                    {
                        ValidIssuer = AuthOptions.LocalIssuer,
                        ValidAudience = AuthOptions.LocalAudience,
                        IssuerSigningKey = signingKey,
                        ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
                        RequireExpirationTime = true,
                        ClockSkew = TimeSpan.FromSeconds(30),
                        NameClaimType = AuthClaims.Subject,
                        RoleClaimType = AuthClaims.Role,
                    };
                }

                options.Events = new JwtBearerEvents
                {
                    // Browsers cannot set headers on a WebSocket: the hub takes the token from the query string.
                    OnMessageReceived = context =>
                    {
                        if (context.HttpContext.Request.Path.StartsWithSegments(TaskEventNames.HubPath)
                            && context.Request.Query["access_token"] is [{ Length: > 0 } token])
                        {
                            context.Token = token;
                        }
                        return Task.CompletedTask;
                    },
                    OnTokenValidated = ValidateAsync,
                    // The reason only: never the token.
                    OnAuthenticationFailed = context =>
                    {
                        context.HttpContext.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("MultiAgent.Api.Auth")
                            .LogInformation("Bearer token refused: {Reason}", context.Exception.GetType().Name);
                        return Task.CompletedTask;
                    },
                };
            });

        services.AddAuthorizationBuilder()
            .AddPolicy(AuthPolicies.Admin, policy => policy.RequireAuthenticatedUser().RequireRole(RoleNames.Admin));
    }

    private static async Task ValidateAsync(TokenValidatedContext context)
    {
        var principal = context.Principal!;
        if (principal.FindFirstValue(AuthClaims.Subject) is not { } subject || !UserIds.IsValid(subject))
        {
            context.Fail("The token's subject is missing or is not a valid user id.");
            return;
        }

        if (principal.FindFirstValue(AuthClaims.TokenId) is { } jti
            && await context.HttpContext.RequestServices.GetRequiredService<TokenRevocations>().IsRevokedAsync(jti))
        {
            context.Fail("The token was revoked by sign-out.");
            return;
        }

        // External authorities (Entra ID) put app roles in "roles"; ours in "role".
        if (principal.Identity is ClaimsIdentity identity)
        {
            foreach (var role in identity.FindAll(AuthClaims.Roles).ToList())
            {
                identity.AddClaim(new Claim(AuthClaims.Role, role.Value));
            }
        }
    }
}
