using System.Diagnostics;
using Microsoft.Extensions.AI;
using MultiAgent.AiGateway.Diagnostics;
using MultiAgent.AiGateway.Limits;
using MultiAgent.AiGateway.Providers;
using MultiAgent.AiGateway.Resilience;
using MultiAgent.AiGateway.Routing;

namespace MultiAgent.AiGateway.Pipeline;

/// <summary>One call's way through its route: what was tried, and which target answered.</summary>
public sealed class CallAttempts
{
    public List<(RouteTarget Target, ProviderFailure Failure)> Failures { get; } = [];

    public int Count { get; set; }

    /// <summary>The target and provider that answered (or were tried last).</summary>
    public RouteTarget? Target { get; set; }

    public ModelProvider? Provider { get; set; }

    /// <summary>The answering target is not the route's first.</summary>
    public bool Fallback { get; set; }
}

/// <summary>A plain answer from a provider.</summary>
public sealed record CompletedAnswer(ChatResponse Response, ModelProvider Provider, RouteTarget Target, string Model, RateLimitLease Lease);

/// <summary>
/// A streamed answer that has started: the updates up to and including its first text (already pulled, so that a provider
/// failing before any text was the next target's turn), and the rest to pull. <see cref="NextAsync"/> applies the
/// provider's idle timeout between chunks; <see cref="Finish"/> or <see cref="Fail"/> tells the breaker how it ended.
/// </summary>
public sealed class StartedStream(
    IAsyncEnumerator<ChatResponseUpdate> updates, IReadOnlyList<ChatResponseUpdate> prelude, bool ended, CancellationTokenSource attemptTimeout,
    ModelProvider provider, RouteTarget target, string model, BreakerPermit permit, RateLimitLease lease, Activity? attemptSpan) : IAsyncDisposable
{
    private bool _ended = ended;

    public IReadOnlyList<ChatResponseUpdate> Prelude { get; } = prelude;
    public ModelProvider Provider { get; } = provider;
    public RouteTarget Target { get; } = target;
    public string Model { get; } = model;
    public RateLimitLease Lease { get; } = lease;

    /// <summary>The next update, or null at the end of the stream.</summary>
    public async ValueTask<ChatResponseUpdate?> NextAsync()
    {
        if (_ended) return null;
        attemptTimeout.CancelAfter(TimeSpan.FromSeconds(Provider.Options.TimeoutSeconds));
        if (await updates.MoveNextAsync()) return updates.Current;
        _ended = true;
        return null;
    }

    public bool TimedOut => attemptTimeout.IsCancellationRequested;

    public void Finish()
    {
        Provider.Breaker.OnSuccess(permit);
        GatewayTelemetry.EndAttempt(attemptSpan, null);
    }

    public void Fail(ProviderFailure failure)
    {
        if (failure.CountsAgainstProvider) Provider.Breaker.OnFailure(permit);
        else Provider.Breaker.OnIgnored(permit);
        GatewayTelemetry.EndAttempt(attemptSpan, failure);
    }

    public void Abandon()
    {
        Provider.Breaker.OnIgnored(permit);
        GatewayTelemetry.EndAttempt(attemptSpan, null);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await updates.DisposeAsync();
        }
        catch (Exception)
        {
            // A broken provider connection may fail again on disposal; the outcome is already decided.
        }
        attemptTimeout.Dispose();
    }
}

/// <summary>
/// Runs a call along its route's fallback chain: per target, the breaker (skip while open, one probe when half-open), the
/// provider's RPM/TPM room (Redis), then up to <c>MaxAttempts</c> attempts with exponential backoff honouring Retry-After
/// (a pause longer than <see cref="RetryTiming.MaxRetryAfterWait"/> moves on at once). 429, 5xx, timeouts, connection
/// failures and streams breaking before their first text move on to the next target; a request the provider rejects
/// (400/404/422) stops the chain.
/// </summary>
public sealed partial class ChatExecutor(ProviderRegistry providers, RedisRateLimiter limiter, ILogger<ChatExecutor> logger)
{
    public Task<CompletedAnswer?> CompleteAsync(
        ResolvedRoute route, string requestedModel, IList<ChatMessage> messages, Func<ModelProvider, string, ChatOptions> options,
        long tokenReservation, CallAttempts attempts, CancellationToken cancellationToken) =>
        RunCoreAsync(route, requestedModel, attempts, tokenReservation, cancellationToken, keepsTimeout: false,
            async (provider, target, model, permit, lease, span, timeout) =>
            {
                var response = await provider.ClientFor(model).GetResponseAsync(messages, options(provider, model), timeout.Token);
                provider.Breaker.OnSuccess(permit);
                GatewayTelemetry.EndAttempt(span, null);
                return new CompletedAnswer(response, provider, target, model, lease);
            });

    public Task<StartedStream?> StartStreamAsync(
        ResolvedRoute route, string requestedModel, IList<ChatMessage> messages, Func<ModelProvider, string, ChatOptions> options,
        long tokenReservation, CallAttempts attempts, CancellationToken cancellationToken) =>
        RunCoreAsync(route, requestedModel, attempts, tokenReservation, cancellationToken, keepsTimeout: true,
            async (provider, target, model, permit, lease, span, timeout) =>
            {
                // The attempt's timeout source lives on in the stream as its idle timeout.
                var updates = provider.ClientFor(model).GetStreamingResponseAsync(messages, options(provider, model), timeout.Token)
                    .GetAsyncEnumerator(timeout.Token);
                var prelude = new List<ChatResponseUpdate>();
                try
                {
                    ChatFinishReason? finish = null;
                    while (true)
                    {
                        if (!await updates.MoveNextAsync())
                        {
                            if (finish is null) throw new StreamBrokenException("the stream ended before the answer finished");
                            return new StartedStream(updates, prelude, ended: true, timeout, provider, target, model, permit, lease, span);
                        }
                        var update = updates.Current;
                        prelude.Add(update);
                        finish ??= update.FinishReason;
                        if (!string.IsNullOrEmpty(update.Text))
                        {
                            return new StartedStream(updates, prelude, ended: false, timeout, provider, target, model, permit, lease, span);
                        }
                    }
                }
                catch
                {
                    await SafeDisposeAsync(updates);
                    throw;
                }
            });

    private async Task<T?> RunCoreAsync<T>(
        ResolvedRoute route, string requestedModel, CallAttempts attempts, long tokenReservation, CancellationToken cancellationToken, bool keepsTimeout,
        Func<ModelProvider, RouteTarget, string, BreakerPermit, RateLimitLease, Activity?, CancellationTokenSource, Task<T>> run)
        where T : class
    {
        for (var index = 0; index < route.Targets.Count; index++)
        {
            var target = route.Targets[index];
            var provider = providers.Find(target.Provider)!;
            var model = target.ModelFor(requestedModel);
            attempts.Target = target;
            attempts.Provider = provider;

            for (var attempt = 1; attempt <= Math.Max(1, provider.Options.MaxAttempts); attempt++)
            {
                var permit = provider.Breaker.TryAcquire();
                if (permit == BreakerPermit.Rejected)
                {
                    attempts.Failures.Add((target, new ProviderFailure(FailureKind.CircuitOpen, null, provider.Breaker.RetryAfter, "circuit open")));
                    break;
                }

                var lease = RateLimitLease.None;
                if (provider.HasLimits)
                {
                    lease = await limiter.AcquireAsync(provider.Name, provider.Options.Rpm, provider.Options.Tpm, tokenReservation,
                        TimeSpan.FromSeconds(provider.Options.QueueTimeoutSeconds), provider.Options.MaxQueue, cancellationToken);
                    if (!lease.Acquired)
                    {
                        provider.Breaker.OnIgnored(permit);
                        attempts.Failures.Add((target, new ProviderFailure(FailureKind.RateLimited, null, lease.RetryAfter,
                            $"over the gateway's RPM/TPM limit for {provider.Name}")));
                        break;
                    }
                }

                attempts.Count++;
                attempts.Fallback = index > 0;
                var span = GatewayTelemetry.StartAttempt(provider, model, attempts.Count);
                var captured = UpstreamResponseInfo.Begin();
                var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(TimeSpan.FromSeconds(provider.Options.TimeoutSeconds));
                ProviderFailure failure;
                try
                {
                    var result = await run(provider, target, model, permit, lease, span, timeout);
                    if (!keepsTimeout) timeout.Dispose();
                    return result;
                }
                catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
                {
                    failure = ProviderFailure.Classify(ex, captured, timeout.IsCancellationRequested);
                    timeout.Dispose();
                }
                catch
                {
                    provider.Breaker.OnIgnored(permit);
                    GatewayTelemetry.EndAttempt(span, null);
                    await limiter.SettleAsync(provider.Name, lease, 0);
                    timeout.Dispose();
                    throw;
                }

                if (failure.CountsAgainstProvider) provider.Breaker.OnFailure(permit);
                else provider.Breaker.OnIgnored(permit);
                GatewayTelemetry.EndAttempt(span, failure);
                await limiter.SettleAsync(provider.Name, lease, 0);
                attempts.Failures.Add((target, failure));
                LogAttemptFailed(logger, provider.Name, model, attempt, failure.Kind, failure.Status);

                if (!failure.TryNextTarget) return null;
                if (!failure.RetrySameProvider || attempt >= provider.Options.MaxAttempts) break;
                if (failure.RetryAfter > RetryTiming.MaxRetryAfterWait) break;
                await Task.Delay(failure.RetryAfter ?? RetryTiming.Backoff(attempt, Random.Shared.NextDouble()), cancellationToken);
            }
        }
        return null;
    }

    private static async ValueTask SafeDisposeAsync(IAsyncEnumerator<ChatResponseUpdate> updates)
    {
        try
        {
            await updates.DisposeAsync();
        }
        catch (Exception)
        {
            // already failing
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Attempt {Attempt} on {Provider}/{Model} failed: {Kind} (status {Status})")]
    private static partial void LogAttemptFailed(ILogger logger, string provider, string model, int attempt, FailureKind kind, int? status);
}
