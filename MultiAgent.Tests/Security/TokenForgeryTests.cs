using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using MultiAgent.Contracts;
using MultiAgent.Contracts.Api;
using MultiAgent.Tests.EndToEnd;

namespace MultiAgent.Tests.Security;

/// <summary>Only a token the Api signed, unchanged and unexpired, gets in.</summary>
[Trait("Category", "AppHost")]
[Collection(PlatformCollection.Name)]
[Trait("Category", "AppHost")]
public class TokenForgeryTests(PlatformFixture platform)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private HttpClient Anonymous() => platform.App.CreateHttpClient("api");

    private async Task<(string Email, string Password)> RegisterAsync(HttpClient api)
    {
        var email = $"user{Guid.NewGuid():N}@example.test";
        const string password = "Correct-Horse-Battery-9";
        var response = await api.PostAsJsonAsync("/api/v1/auth/register", new { email, password, display_name = "Tester" }, JsonDefaults.Options, Ct);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (email, password);
    }

    private async Task<JsonElement> TokenAsync(HttpClient api, string email, string password)
    {
        var response = await api.PostAsJsonAsync("/api/v1/auth/token", new { email, password }, JsonDefaults.Options, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement.Clone();
    }

    private async Task<HttpStatusCode> GetTasksWithAsync(string? bearer)
    {
        using var api = Anonymous();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/tasks");
        if (bearer is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        using var response = await api.SendAsync(request, Ct);
        return response.StatusCode;
    }

    [Fact]
    public async Task Expired_forged_and_malformed_tokens_are_refused()
    {
        using var api = Anonymous();
        var (email, password) = await RegisterAsync(api);
        var token = await TokenAsync(api, email, password);
        var access = token.GetProperty("access_token").GetString()!;
        Assert.Equal(HttpStatusCode.OK, await GetTasksWithAsync(access));

        var payload = JsonDocument.Parse(Base64UrlDecode(access.Split('.')[1])).RootElement;
        var signingKey = await platform.GetParameterValueAsync("jwt-signing-key");

        // Same claims, correct key, but expired an hour ago.
        var expired = Sign(WithTimes(payload, DateTimeOffset.UtcNow.AddHours(-2), DateTimeOffset.UtcNow.AddHours(-1)), signingKey);
        Assert.Equal(HttpStatusCode.Unauthorized, await GetTasksWithAsync(expired));

        // Valid times, but signed with another key; and an admin role forged into the claims.
        var forged = Sign(WithRole(payload, "admin"), "an-attacker-key-that-is-certainly-not-the-platforms-signing-key-0123456789");
        Assert.Equal(HttpStatusCode.Unauthorized, await GetTasksWithAsync(forged));

        // The real token with its role changed but the original signature kept.
        var parts = access.Split('.');
        var tampered = $"{parts[0]}.{Base64UrlEncode(JsonSerializer.SerializeToUtf8Bytes(WithRole(payload, "admin")))}.{parts[2]}";
        Assert.Equal(HttpStatusCode.Unauthorized, await GetTasksWithAsync(tampered));

        var unsigned = $"{Base64UrlEncode("""{"alg":"none","typ":"JWT"}"""u8.ToArray())}.{parts[1]}.";
        Assert.Equal(HttpStatusCode.Unauthorized, await GetTasksWithAsync(unsigned));
        Assert.Equal(HttpStatusCode.Unauthorized, await GetTasksWithAsync("not-a-token"));
    }

    private static Dictionary<string, object?> Claims(JsonElement payload) =>
        payload.EnumerateObject().ToDictionary(p => p.Name, p => (object?)p.Value.Clone());

    private static Dictionary<string, object?> WithTimes(JsonElement payload, DateTimeOffset notBefore, DateTimeOffset expires)
    {
        var claims = Claims(payload);
        claims["nbf"] = notBefore.ToUnixTimeSeconds();
        claims["iat"] = notBefore.ToUnixTimeSeconds();
        claims["exp"] = expires.ToUnixTimeSeconds();
        return claims;
    }

    private static Dictionary<string, object?> WithRole(JsonElement payload, string role)
    {
        var claims = Claims(payload);
        foreach (var key in claims.Keys.Where(k => k.Contains("role", StringComparison.OrdinalIgnoreCase)).ToList()) claims[key] = role;
        claims["role"] = role;
        return claims;
    }

    private static string Sign(Dictionary<string, object?> claims, string key)
    {
        var header = Base64UrlEncode("""{"alg":"HS256","typ":"JWT"}"""u8.ToArray());
        var body = Base64UrlEncode(JsonSerializer.SerializeToUtf8Bytes(claims));
        var signature = HMACSHA256.HashData(Encoding.UTF8.GetBytes(key), Encoding.ASCII.GetBytes($"{header}.{body}"));
        return $"{header}.{body}.{Base64UrlEncode(signature)}";
    }

    private static string Base64UrlEncode(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static byte[] Base64UrlDecode(string text)
    {
        var s = text.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(s.PadRight(s.Length + (4 - s.Length % 4) % 4, '='));
    }
}
