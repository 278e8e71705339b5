using MultiAgent.AiGateway.Resilience;

namespace MultiAgent.AiGateway.Providers;

/// <summary>What the HTTP layer saw of one attempt's response: its status and the pause it asked for.</summary>
public sealed class UpstreamResponseInfo
{
    private static readonly AsyncLocal<UpstreamResponseInfo?> CurrentAttempt = new();

    public int? Status { get; set; }

    public TimeSpan? RetryAfter { get; set; }

    public static UpstreamResponseInfo? Current => CurrentAttempt.Value;

    /// <summary>Starts capturing for the calls made in this async flow (one attempt).</summary>
    public static UpstreamResponseInfo Begin()
    {
        var info = new UpstreamResponseInfo();
        CurrentAttempt.Value = info;
        return info;
    }
}

/// <summary>
/// The handler in front of every HTTP provider: records the status and Retry-After of the attempt's response (the
/// provider SDKs' exceptions do not all carry them), and, for providers that want it (Azure OpenAI: <c>api-key</c>), sends
/// the key in a header of their own instead of <c>Authorization</c>.
/// </summary>
public sealed class UpstreamResponseCapture(string? apiKeyHeader, string? apiKey) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (!string.IsNullOrWhiteSpace(apiKeyHeader))
        {
            request.Headers.Authorization = null;
            request.Headers.Remove("x-api-key");
            request.Headers.TryAddWithoutValidation(apiKeyHeader, apiKey ?? "");
        }

        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (UpstreamResponseInfo.Current is { } info)
        {
            info.Status = (int)response.StatusCode;
            var ms = response.Headers.TryGetValues("retry-after-ms", out var msValues) ? msValues.FirstOrDefault() : null;
            var ra = response.Headers.TryGetValues("Retry-After", out var raValues) ? raValues.FirstOrDefault() : null;
            info.RetryAfter = RetryTiming.Parse(ra, ms, DateTimeOffset.UtcNow);
        }
        return response;
    }
}
