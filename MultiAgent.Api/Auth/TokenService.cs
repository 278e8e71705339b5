using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using MultiAgent.Contracts.Api;
using MultiAgent.Data;
using MultiAgent.Data.Identity;

namespace MultiAgent.Api.Auth;

/// <summary>Issues access tokens (HS256 JWT) and rotates the refresh tokens stored hashed in Postgres.</summary>
public sealed class TokenService(MultiAgentDbContext db, IOptions<AuthOptions> options, TimeProvider time)
{
    public const string TokenType = "Bearer";

    public static SymmetricSecurityKey SigningKey(AuthOptions options) =>
        options.SigningKey is { Length: >= 32 } key
            ? new SymmetricSecurityKey(Encoding.UTF8.GetBytes(key))
            : throw new InvalidOperationException(
                "Auth:SigningKey must be at least 32 characters. Run the Api from the AppHost (parameter jwt-signing-key), or set Auth__SigningKey; or set Auth:Authority to trust an external OpenID Connect authority.");

    /// <summary>A new sign-in: a new refresh-token family.</summary>
    public Task<TokenResponse> IssueAsync(ApplicationUser user, IList<string> roles, CancellationToken cancellationToken) =>
        IssueAsync(user, roles, RefreshTokenRotation.NewFamilyId(), null, cancellationToken);

    public async Task<TokenResponse> IssueAsync(ApplicationUser user, IList<string> roles, string familyId, string? parentTokenId, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var now = time.GetUtcNow().UtcDateTime;
        var refreshToken = RefreshTokenRotation.NewToken();
        db.RefreshTokens.Add(new RefreshTokenEntity
        {
            TokenId = RefreshTokenRotation.NewTokenId(),
            UserId = user.Id,
            TokenHash = RefreshTokenRotation.Hash(refreshToken),
            FamilyId = familyId,
            ParentTokenId = parentTokenId,
            CreatedAt = now,
            ExpiresAt = now + settings.RefreshTokenLifetime,
        });
        await db.SaveChangesAsync(cancellationToken);

        var claims = new Dictionary<string, object>
        {
            [AuthClaims.Subject] = user.Id,
            [AuthClaims.Email] = user.Email ?? "",
            [AuthClaims.Name] = string.IsNullOrWhiteSpace(user.DisplayName) ? user.Email ?? "" : user.DisplayName,
            [AuthClaims.Role] = roles.Count == 1 ? roles[0] : roles.ToArray(),
            [AuthClaims.TokenId] = Guid.NewGuid().ToString("N"),
            [AuthClaims.Session] = familyId,
        };
        var accessToken = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = AuthOptions.LocalIssuer,
            Audience = AuthOptions.LocalAudience,
            IssuedAt = now,
            NotBefore = now,
            Expires = now + settings.AccessTokenLifetime,
            Claims = claims,
            SigningCredentials = new SigningCredentials(SigningKey(settings), SecurityAlgorithms.HmacSha256),
        });

        return new TokenResponse(accessToken, refreshToken, TokenType, (int)settings.AccessTokenLifetime.TotalSeconds);
    }

    public readonly record struct Rotation(RefreshTokenVerdict Verdict, string? UserId, string? FamilyId, string? TokenId);

    /// <summary>
    /// Spends a presented refresh token: revokes it when current (one conditional UPDATE, so two concurrent uses
    /// cannot both win), and revokes its whole family when it was already spent.
    /// </summary>
    public async Task<Rotation> SpendAsync(string refreshToken, CancellationToken cancellationToken)
    {
        var hash = RefreshTokenRotation.Hash(refreshToken);
        var row = await db.RefreshTokens.AsNoTracking()
            .Where(t => t.TokenHash == hash)
            .Select(t => new { t.TokenId, t.UserId, t.FamilyId, t.ExpiresAt, t.RevokedAt })
            .FirstOrDefaultAsync(cancellationToken);
        var now = time.GetUtcNow().UtcDateTime;
        var verdict = RefreshTokenRotation.Evaluate(row is null ? null : new StoredRefreshToken(row.ExpiresAt, row.RevokedAt), now);

        if (verdict == RefreshTokenVerdict.Rotate)
        {
            var spent = await db.RefreshTokens
                .Where(t => t.TokenId == row!.TokenId && t.RevokedAt == null)
                .ExecuteUpdateAsync(s => s.SetProperty(t => t.RevokedAt, now), cancellationToken);
            if (spent == 0)
            {
                verdict = RefreshTokenVerdict.Reused;
            }
        }

        if (verdict == RefreshTokenVerdict.Reused)
        {
            await RevokeFamilyAsync(row!.FamilyId, CancellationToken.None);
        }

        return new Rotation(verdict, row?.UserId, row?.FamilyId, row?.TokenId);
    }

    public Task<int> RevokeFamilyAsync(string familyId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        return db.RefreshTokens
            .Where(t => t.FamilyId == familyId && t.RevokedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(t => t.RevokedAt, now), cancellationToken);
    }
}
