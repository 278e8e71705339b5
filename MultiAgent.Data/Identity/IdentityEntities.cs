using Microsoft.AspNetCore.Identity;

namespace MultiAgent.Data.Identity;

/// <summary>A signed-up user. The id is <c>user_</c> + 32 hex digits, so it fits tasks.user_id (varchar 50).</summary>
public class ApplicationUser : IdentityUser
{
    public ApplicationUser()
    {
        Id = NewUserId();
        SecurityStamp = Guid.NewGuid().ToString();
    }

    public string? DisplayName { get; set; }

    public DateTime CreatedAt { get; set; }

    public static string NewUserId() => "user_" + Guid.NewGuid().ToString("N");
}

/// <summary>
/// A refresh token, stored as the SHA-256 of its value. Every token issued from one sign-in shares a family; a token
/// that is used twice (a rotated one replayed) revokes its whole family.
/// </summary>
public class RefreshTokenEntity
{
    public required string TokenId { get; set; }
    public required string UserId { get; set; }
    public required string TokenHash { get; set; }
    public required string FamilyId { get; set; }
    public string? ParentTokenId { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime ExpiresAt { get; set; }
    public DateTime? RevokedAt { get; set; }
}

public static class RoleNames
{
    public const string User = "user";
    public const string Admin = "admin";

    public static readonly IReadOnlyList<string> All = [User, Admin];
}
