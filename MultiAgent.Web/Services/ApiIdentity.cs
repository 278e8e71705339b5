using Microsoft.Extensions.Options;

namespace MultiAgent.Web.Services;

/// <summary>
/// Who the Api is told the caller is. Until sign-in lands this is the development user from configuration;
/// sign-in replaces this class (and the header with a bearer token) without touching any caller.
/// </summary>
public sealed class ApiIdentity(IOptions<WebOptions> options)
{
    public const string HeaderName = "X-User-Id";

    public string UserId => options.Value.DevUserId;

    public IEnumerable<KeyValuePair<string, string>> Headers => [new(HeaderName, UserId)];
}

/// <summary>Adds the caller's identity to every request the typed Api client sends.</summary>
public sealed class ApiIdentityHandler(ApiIdentity identity) : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        foreach (var (name, value) in identity.Headers)
        {
            request.Headers.Remove(name);
            request.Headers.Add(name, value);
        }

        return base.SendAsync(request, cancellationToken);
    }
}
