using MultiAgent.Api.Auth;

namespace MultiAgent.Tests.Api;

public class RefreshTokenRotationTests
{
    private static readonly DateTime Now = new(2026, 11, 25, 12, 0, 0, DateTimeKind.Utc);

    [Fact]
    public void Unknown_token_is_refused() =>
        Assert.Equal(RefreshTokenVerdict.Unknown, RefreshTokenRotation.Evaluate(null, Now));

    [Fact]
    public void Current_token_is_rotated() =>
        Assert.Equal(RefreshTokenVerdict.Rotate, RefreshTokenRotation.Evaluate(new StoredRefreshToken(Now.AddDays(7), null), Now));

    [Fact]
    public void Expired_token_is_refused_without_revoking_the_family() =>
        Assert.Equal(RefreshTokenVerdict.Expired, RefreshTokenRotation.Evaluate(new StoredRefreshToken(Now, null), Now));

    [Fact]
    public void Spent_token_presented_again_is_a_reuse_even_after_expiry()
    {
        Assert.Equal(RefreshTokenVerdict.Reused, RefreshTokenRotation.Evaluate(new StoredRefreshToken(Now.AddDays(1), Now.AddMinutes(-1)), Now));
        Assert.Equal(RefreshTokenVerdict.Reused, RefreshTokenRotation.Evaluate(new StoredRefreshToken(Now.AddDays(-1), Now.AddDays(-2)), Now));
    }

    [Fact]
    public void Tokens_are_random_url_safe_and_stored_as_sha256_hex()
    {
        var first = RefreshTokenRotation.NewToken();
        var second = RefreshTokenRotation.NewToken();
        Assert.NotEqual(first, second);
        Assert.Equal(43, first.Length);
        Assert.DoesNotContain(first, c => c is '+' or '/' or '=');

        var hash = RefreshTokenRotation.Hash(first);
        Assert.Equal(64, hash.Length);
        Assert.Equal(hash, RefreshTokenRotation.Hash(first));
        Assert.NotEqual(hash, RefreshTokenRotation.Hash(second));
        Assert.Equal("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", RefreshTokenRotation.Hash("test"));
    }
}
