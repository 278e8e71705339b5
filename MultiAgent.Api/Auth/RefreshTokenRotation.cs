using System.Security.Cryptography;
using System.Text;

namespace MultiAgent.Api.Auth;

public enum RefreshTokenVerdict
{
    /// <summary>No such token: refused.</summary>
    Unknown,
    /// <summary>Past its expiry: refused, the family is left alone.</summary>
    Expired,
    /// <summary>Already rotated or revoked: a replay, so the whole family is revoked.</summary>
    Reused,
    /// <summary>Current: rotate it (revoke it and issue its child in the same family).</summary>
    Rotate,
}

/// <summary>The stored facts about a presented refresh token that decide what happens to it.</summary>
public readonly record struct StoredRefreshToken(DateTime ExpiresAt, DateTime? RevokedAt);

/// <summary>Refresh-token rules without storage: the token's value and hash, and the verdict on a presented token.</summary>
public static class RefreshTokenRotation
{
    public static string NewToken() => Base64Url(RandomNumberGenerator.GetBytes(32));

    public static string NewFamilyId() => "rtf_" + Guid.NewGuid().ToString("N");

    public static string NewTokenId() => "rt_" + Guid.NewGuid().ToString("N");

    /// <summary>Lowercase hex SHA-256: only this is stored, so a database leak yields no usable token.</summary>
    public static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    public static RefreshTokenVerdict Evaluate(StoredRefreshToken? stored, DateTime utcNow) => stored switch
    {
        null => RefreshTokenVerdict.Unknown,
        { RevokedAt: not null } => RefreshTokenVerdict.Reused,
        { ExpiresAt: var expires } when expires <= utcNow => RefreshTokenVerdict.Expired,
        _ => RefreshTokenVerdict.Rotate,
    };

    private static string Base64Url(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
