using System.ClientModel;
using System.Net.Sockets;
using Anthropic.Exceptions;
using MultiAgent.AiGateway.Resilience;

namespace MultiAgent.AiGateway.Providers;

/// <summary>Why an attempt on a provider failed, as far as retrying and falling back are concerned.</summary>
public enum FailureKind
{
    /// <summary>429 from the provider, or its RPM/TPM limit here had no room in time.</summary>
    RateLimited,

    /// <summary>5xx.</summary>
    Unavailable,

    /// <summary>No answer (or no next chunk) in time; 408, 504.</summary>
    Timeout,

    /// <summary>The provider could not be reached.</summary>
    Connection,

    /// <summary>A stream that ended or broke before its finish.</summary>
    StreamBroken,

    /// <summary>401/403: the gateway's key for this provider is wrong. The next target may still answer.</summary>
    Authentication,

    /// <summary>The provider rejected the request itself (400, 404, 422, ...): no other target will do better.</summary>
    BadRequest,

    /// <summary>The breaker of this provider is open.</summary>
    CircuitOpen,
}

/// <summary>A failed attempt: its kind, the provider's status (when it answered), and the pause it asked for.</summary>
public sealed record ProviderFailure(FailureKind Kind, int? Status, TimeSpan? RetryAfter, string Detail)
{
    /// <summary>Worth another attempt on the same provider.</summary>
    public bool RetrySameProvider => Kind is FailureKind.RateLimited or FailureKind.Unavailable or FailureKind.Timeout
        or FailureKind.Connection or FailureKind.StreamBroken;

    /// <summary>Worth the route's next target.</summary>
    public bool TryNextTarget => Kind != FailureKind.BadRequest;

    /// <summary>Counts towards opening the provider's breaker (a rate limit is the provider working as designed).</summary>
    public bool CountsAgainstProvider => Kind is FailureKind.Unavailable or FailureKind.Timeout or FailureKind.Connection
        or FailureKind.StreamBroken or FailureKind.Authentication;

    public static ProviderFailure FromStatus(int status, TimeSpan? retryAfter, string detail) => new(status switch
    {
        429 => FailureKind.RateLimited,
        408 or 504 => FailureKind.Timeout,
        401 or 403 => FailureKind.Authentication,
        >= 500 => FailureKind.Unavailable,
        _ => FailureKind.BadRequest,
    }, status, retryAfter, detail);

    /// <summary>Classifies an exception of any provider client; <paramref name="captured"/> is what the HTTP handler saw of the response.</summary>
    public static ProviderFailure Classify(Exception ex, UpstreamResponseInfo? captured, bool timedOut)
    {
        if (timedOut)
        {
            return new(FailureKind.Timeout, null, null, "no answer in time");
        }

        switch (ex)
        {
            case StreamBrokenException broken:
                return new(FailureKind.StreamBroken, null, null, broken.Message);
            case ProviderException pe:
                return FromStatus(pe.StatusCode, pe.RetryAfter, pe.Message);
            case ClientResultException cre when cre.Status > 0:
                return FromStatus(cre.Status, captured?.RetryAfter ?? RetryAfterOf(cre), $"status {cre.Status}");
            case AnthropicApiException ae:
                return FromStatus((int)ae.StatusCode, captured?.RetryAfter, $"status {(int)ae.StatusCode}");
        }

        // A stream cut by the provider surfaces as an I/O error somewhere in the chain of inner exceptions.
        for (var e = ex; e is not null; e = e.InnerException)
        {
            if (e is HttpRequestException or SocketException or IOException or AnthropicIOException or ClientResultException)
            {
                return captured?.Status is >= 200 and < 300
                    ? new(FailureKind.StreamBroken, captured.Status, null, "the connection broke during the answer")
                    : captured?.Status is { } status and >= 400
                        ? FromStatus(status, captured.RetryAfter, $"status {status}")
                        : new(FailureKind.Connection, null, null, "the provider could not be reached");
            }
        }

        return captured?.Status is { } s and >= 400
            ? FromStatus(s, captured.RetryAfter, $"status {s}")
            : new(FailureKind.Unavailable, captured?.Status, null, ex.GetType().Name);
    }

    private static TimeSpan? RetryAfterOf(ClientResultException ex)
    {
        var response = ex.GetRawResponse();
        if (response is null) return null;
        response.Headers.TryGetValue("retry-after-ms", out var ms);
        response.Headers.TryGetValue("Retry-After", out var ra);
        return RetryTiming.Parse(ra, ms, DateTimeOffset.UtcNow);
    }
}

/// <summary>An upstream failure with the HTTP status it stands for (the simulated model's injected failures).</summary>
public class ProviderException(int statusCode, string message, TimeSpan? retryAfter = null, Exception? inner = null)
    : Exception(message, inner)
{
    public int StatusCode { get; } = statusCode;
    public TimeSpan? RetryAfter { get; } = retryAfter;
}

/// <summary>A streamed answer that ended or broke before its finish (no finish reason, or an error mid-stream).</summary>
public sealed class StreamBrokenException(string message, Exception? inner = null) : Exception(message, inner);
