using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using MultiAgent.AiGateway.Apis;

namespace MultiAgent.AiGateway.Security;

/// <summary>
/// The gateway's caller keys (<c>AiGateway:ApiKeys:0</c>, <c>:1</c>, ...; environment <c>AiGateway__ApiKeys__0</c>).
/// Every key listed is accepted, so a new key can be added beside the old one while callers switch over.
/// </summary>
public sealed class GatewayKeyOptions
{
    public const string SectionName = "AiGateway";

    /// <summary>The accepted keys. Secrets: never logged, never traced; at least one is required.</summary>
    public List<string> ApiKeys { get; set; } = [];
}

/// <summary>Fails startup when no usable key is configured, naming what to set.</summary>
public sealed class GatewayKeyOptionsValidator : IValidateOptions<GatewayKeyOptions>
{
    public ValidateOptionsResult Validate(string? name, GatewayKeyOptions options)
    {
        var failures = new List<string>();
        if (options.ApiKeys.Count(k => !string.IsNullOrEmpty(k)) == 0)
        {
            failures.Add("No caller key is configured: set AiGateway__ApiKeys__0 (the AppHost passes its secret parameter 'aigateway-api-key'; " +
                         "run the gateway through the AppHost, or set the variable yourself when running it alone).");
        }

        for (var i = 0; i < options.ApiKeys.Count; i++)
        {
            var key = options.ApiKeys[i];
            if (key is { Length: > 0 } && key.Trim().Length != key.Length)
                failures.Add($"AiGateway:ApiKeys:{i} has leading or trailing whitespace; callers could never send it in a Bearer header.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

/// <summary>
/// Checks a presented key against the configured ones in constant time: both sides are hashed with SHA-256 (so the
/// comparison never depends on a key's length) and compared with <see cref="CryptographicOperations.FixedTimeEquals"/>,
/// against every configured key without stopping at the first match.
/// </summary>
public sealed class GatewayKeyChecker
{
    private readonly byte[][] _hashes;

    public GatewayKeyChecker(IEnumerable<string> keys) =>
        _hashes = keys.Where(k => !string.IsNullOrEmpty(k)).Select(Hash).ToArray();

    /// <summary>How many keys are accepted (for the startup log; never the keys themselves).</summary>
    public int Count => _hashes.Length;

    public bool IsValid(string? presented)
    {
        if (string.IsNullOrEmpty(presented)) return false;

        var hash = Hash(presented);
        var match = false;
        foreach (var known in _hashes)
        {
            match |= FixedTimeEquals(hash, known);
        }
        return match;
    }

    /// <summary>Constant-time equality of two byte strings: the time depends on their lengths only, never on where they differ.</summary>
    public static bool FixedTimeEquals(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right) =>
        CryptographicOperations.FixedTimeEquals(left, right);

    /// <summary>Constant-time equality of two strings (UTF-8, hashed first so unequal lengths take the same time).</summary>
    public static bool FixedTimeEquals(string left, string right) => FixedTimeEquals(Hash(left), Hash(right));

    /// <summary>
    /// A short, non-reversible label of a key for logs: the first 8 hex digits of its SHA-256 ("sha256:1a2b3c4d").
    /// Enough to tell keys apart when rotating, useless for guessing one.
    /// </summary>
    public static string Fingerprint(string key) => "sha256:" + Convert.ToHexStringLower(Hash(key))[..8];

    private static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));
}

/// <summary>
/// <c>Authorization: Bearer &lt;key&gt;</c> on every <c>/v1/*</c> request, the way OpenAI clients send it. Without a valid
/// key: 401 in OpenAI's error shape (<c>invalid_request_error</c> / <c>invalid_api_key</c>) with <c>WWW-Authenticate: Bearer</c>.
/// Everything outside <c>/v1</c> (<c>/health</c>, <c>/alive</c>) stays open.
/// </summary>
public static partial class GatewayKeyMiddleware
{
    public const string ProtectedPrefix = "/v1";
    public const string ErrorCode = "invalid_api_key";

    public static IApplicationBuilder UseGatewayApiKeys(this IApplicationBuilder app)
    {
        var checker = app.ApplicationServices.GetRequiredService<GatewayKeyChecker>();
        var logger = app.ApplicationServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(GatewayKeyMiddleware).FullName!);
        LogKeysLoaded(logger, checker.Count);

        return app.Use(async (http, next) =>
        {
            if (!http.Request.Path.StartsWithSegments(ProtectedPrefix, StringComparison.OrdinalIgnoreCase))
            {
                await next(http);
                return;
            }

            var presented = BearerToken(http.Request.Headers.Authorization.ToString());
            if (checker.IsValid(presented))
            {
                await next(http);
                return;
            }

            string message;
            if (presented is null)
            {
                LogMissingKey(logger, http.Request.Method, http.Request.Path.Value ?? "");
                message = "You didn't provide an API key. Send it in the Authorization header using Bearer auth " +
                          "(i.e. Authorization: Bearer YOUR_KEY); the AppHost's secret parameter 'aigateway-api-key' holds it.";
            }
            else
            {
                LogWrongKey(logger, http.Request.Method, http.Request.Path.Value ?? "", GatewayKeyChecker.Fingerprint(presented));
                message = "Incorrect API key provided. Use a key listed in the gateway's AiGateway:ApiKeys " +
                          "(the AppHost's secret parameter 'aigateway-api-key').";
            }

            http.Response.Headers.WWWAuthenticate = "Bearer";
            await ChatCompletionsApi.Error(StatusCodes.Status401Unauthorized, message, "invalid_request_error", null, ErrorCode).ExecuteAsync(http);
        });
    }

    /// <summary>The token of an <c>Authorization: Bearer &lt;token&gt;</c> header (scheme case-insensitive), or null.</summary>
    public static string? BearerToken(string? authorization)
    {
        const string scheme = "Bearer ";
        if (authorization is null || !authorization.StartsWith(scheme, StringComparison.OrdinalIgnoreCase)) return null;
        var token = authorization[scheme.Length..].Trim();
        return token.Length == 0 ? null : token;
    }

    // ---- logs: never a key, at most its fingerprint ----

    [LoggerMessage(Level = LogLevel.Information, Message = "Caller authentication on /v1: {KeyCount} API key(s) accepted")]
    private static partial void LogKeysLoaded(ILogger logger, int keyCount);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rejected {Method} {Path}: no API key")]
    private static partial void LogMissingKey(ILogger logger, string method, string path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rejected {Method} {Path}: unknown API key {KeyFingerprint}")]
    private static partial void LogWrongKey(ILogger logger, string method, string path, string keyFingerprint);
}
