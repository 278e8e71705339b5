using System.Globalization;
using MultiAgent.AiGateway.Providers;
using MultiAgent.AiGateway.Resilience;
using MultiAgent.AiGateway.Routing;

namespace MultiAgent.AiGateway.Protocol;

/// <summary>An error as the caller gets it: OpenAI's shape, a stable code, and whether retrying the same request can help.</summary>
public sealed record GatewayError(int Status, string Type, string Code, string Message, bool Retryable, TimeSpan? RetryAfter = null, string? Param = null);

/// <summary>
/// The gateway's error codes. Every error response carries <c>x-should-retry: true|false</c> (the header OpenAI's SDKs
/// read); a stream that fails after it started ends with <c>data: {"error": {..., "code": "stream_interrupted"}}</c> and no
/// <c>[DONE]</c>. Listed in the README's "Errors".
/// </summary>
public static class GatewayErrors
{
    public const string ShouldRetryHeader = "x-should-retry";

    public const string RateLimitExceeded = "rate_limit_exceeded";
    public const string ServiceUnavailable = "service_unavailable";
    public const string UpstreamError = "upstream_error";
    public const string UpstreamTimeout = "upstream_timeout";
    public const string UpstreamUnreachable = "upstream_unreachable";
    public const string UpstreamAuthenticationFailed = "upstream_authentication_failed";
    public const string UpstreamRejectedRequest = "upstream_rejected_request";
    public const string CircuitOpen = "provider_circuit_open";
    public const string StreamInterrupted = "stream_interrupted";
    public const string BudgetExceeded = "budget_exceeded";
    public const string IdempotencyKeyInUse = "idempotency_key_in_use";
    public const string IdempotencyKeyReused = "idempotency_key_reused";
    public const string DependencyUnavailable = "gateway_dependency_unavailable";

    /// <summary>The one error for a call whose every target failed (<paramref name="failures"/> in the order they happened).</summary>
    public static GatewayError FromFailures(ResolvedRoute route, IReadOnlyList<(RouteTarget Target, ProviderFailure Failure)> failures)
    {
        var tried = string.Join("; ", failures.Select(f => $"{f.Target}: {Describe(f.Failure)}"));
        var where = $"route '{route.Name}'";
        TimeSpan? ShortestWait(Func<ProviderFailure, bool> which) =>
            failures.Where(f => which(f.Failure) && f.Failure.RetryAfter is not null).Select(f => f.Failure.RetryAfter!.Value).DefaultIfEmpty().Min() is var min && min > TimeSpan.Zero ? min : null;

        if (failures.FirstOrDefault(f => f.Failure.Kind == FailureKind.BadRequest) is { Target: not null } rejected)
        {
            return new(400, "invalid_request_error", UpstreamRejectedRequest,
                $"The AI provider rejected the request ({rejected.Target}: {rejected.Failure.Detail}). Fix the request; sending it again will not help.", false);
        }

        var kinds = failures.Select(f => f.Failure.Kind).Distinct().ToList();
        if (kinds.All(k => k is FailureKind.RateLimited or FailureKind.CircuitOpen) && kinds.Contains(FailureKind.RateLimited))
        {
            return new(429, "rate_limit_error", RateLimitExceeded,
                $"Every provider of {where} is at its rate limit ({tried}). Retry after the Retry-After interval.", true,
                ShortestWait(_ => true) ?? TimeSpan.FromSeconds(1));
        }

        if (kinds.All(k => k == FailureKind.CircuitOpen))
        {
            return new(503, "server_error", CircuitOpen,
                $"Every provider of {where} is failing and paused by its circuit breaker ({tried}). Retry after the Retry-After interval; " +
                "if it persists, check the providers' status.", true, ShortestWait(_ => true) ?? TimeSpan.FromSeconds(1));
        }

        if (kinds.All(k => k is FailureKind.Authentication or FailureKind.CircuitOpen))
        {
            return new(502, "upstream_error", UpstreamAuthenticationFailed,
                $"The AI provider refused the gateway's credentials ({tried}). Set the provider's key (the AppHost parameter ai-<provider>-api-key); retrying will not help.", false);
        }

        var last = failures[^1].Failure;
        var retryAfter = ShortestWait(f => f.Kind is FailureKind.RateLimited or FailureKind.Unavailable or FailureKind.CircuitOpen);
        return last.Kind switch
        {
            FailureKind.Timeout => new(504, "upstream_error", UpstreamTimeout,
                $"The AI provider did not answer in time ({tried}). Retry later.", true, retryAfter),
            FailureKind.Connection => new(502, "upstream_error", UpstreamUnreachable,
                $"The AI provider could not be reached ({tried}). Retry later; if it persists, check the provider's BaseUrl.", true, retryAfter),
            FailureKind.Unavailable when last.Status == 503 => new(503, "server_error", ServiceUnavailable,
                $"The AI provider is temporarily unavailable ({tried}). Retry after the Retry-After interval.", true, retryAfter),
            _ => new(502, "upstream_error", UpstreamError,
                $"The AI provider failed to answer ({tried}). Retry later.", true, retryAfter),
        };
    }

    public static GatewayError StreamInterruptedError(string detail) =>
        new(502, "upstream_error", StreamInterrupted,
            $"The AI provider's answer broke off after part of it was sent ({detail}); the text so far is incomplete. Send the request again.", true);

    public static string Describe(ProviderFailure failure) => failure.Kind switch
    {
        FailureKind.CircuitOpen => $"circuit open{Wait(failure.RetryAfter)}",
        FailureKind.RateLimited => $"rate limited{Wait(failure.RetryAfter)}",
        _ => failure.Detail,
    };

    private static string Wait(TimeSpan? delay) =>
        delay is { } d ? $", retry in {Math.Ceiling(d.TotalSeconds).ToString(CultureInfo.InvariantCulture)} s" : "";

    public static string? RetryAfterHeader(GatewayError error) => error.RetryAfter is { } d ? RetryTiming.ToHeader(d) : null;
}
