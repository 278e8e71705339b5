using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using MultiAgent.AiGateway.Budgets;
using MultiAgent.AiGateway.Caching;
using MultiAgent.AiGateway.Protocol;
using MultiAgent.AiGateway.Providers;
using MultiAgent.AiGateway.Resilience;
using MultiAgent.AiGateway.Routing;

namespace MultiAgent.Tests.AiGateway;

/// <summary>The gateway's pure logic: routes, cache keys, breaker, Retry-After, backoff, error mapping, money.</summary>
public class GatewayLogicTests
{
    private static RouteTable Routes() => new(new Dictionary<string, List<string>>
    {
        ["manager"] = ["openai/gpt-4o", "anthropic/claude-sonnet-4-5"],
        ["specialist"] = ["openai/gpt-4o-mini"],
        ["gpt-4o-managed"] = ["ollama/llama3.1:70b"],
    }, ["openai", "anthropic", "ollama", "simulated"]);

    [Theory]
    [InlineData("manager", null, "manager", RouteMatch.Model)]
    [InlineData("gpt-4o-managed", "manager", "gpt-4o-managed", RouteMatch.Model)] // an agent's own model name beats its role
    [InlineData("gpt-4o", "manager", "manager", RouteMatch.Role)]
    [InlineData("gpt-4o", "Specialist", "specialist", RouteMatch.Role)]
    [InlineData("gpt-4o", "coordinator", "default", RouteMatch.Default)] // no coordinator route configured
    [InlineData("gpt-4o", null, "default", RouteMatch.Default)]
    [InlineData("anthropic/claude-3-5-haiku", "manager", "anthropic/claude-3-5-haiku", RouteMatch.Direct)]
    [InlineData("nobody/model", null, "default", RouteMatch.Default)] // not a configured provider
    public void Route_is_the_model_then_provider_slash_model_then_the_role_then_default(string model, string? role, string route, RouteMatch match)
    {
        var resolved = Routes().Resolve(model, role);
        Assert.Equal(route, resolved.Name);
        Assert.Equal(match, resolved.Match);
    }

    [Fact]
    public void Route_targets_keep_their_order_and_the_default_passes_the_model_through()
    {
        var routes = Routes();
        Assert.Equal(["openai/gpt-4o", "anthropic/claude-sonnet-4-5"], routes.Resolve("manager", null).Targets.Select(t => t.ToString()));
        var fallback = Assert.Single(routes.Resolve("some-model", null).Targets);
        Assert.Equal("simulated", fallback.Provider);
        Assert.Equal("some-model", fallback.ModelFor("some-model"));
        Assert.Equal("llama3.1:70b", Assert.Single(routes.Resolve("gpt-4o-managed", null).Targets).Model); // ':' and more '/' stay in the model
        Assert.Equal(new RouteTarget("vllm", "meta-llama/Llama-3.1-8B"), RouteTarget.Parse(" VLLM/meta-llama/Llama-3.1-8B "));
    }

    private static ChatCompletionRequest Request(string json)
    {
        using var doc = JsonDocument.Parse(json);
        Assert.True(ChatCompletionRequestParser.TryParse(doc.RootElement, out var request, out var error), error?.Message);
        return request!;
    }

    private const string Base = """{"model":"m","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Plan it."}],"temperature":0.2""";

    [Fact]
    public void Cache_key_is_stable_and_ignores_only_streaming()
    {
        var key = CacheKey.Compute("openai", "gpt-4o", Request(Base + "}"));
        Assert.Equal(key, CacheKey.Compute("openai", "gpt-4o", Request(Base + "}")));
        Assert.Equal(key, CacheKey.Compute("openai", "gpt-4o", Request(Base + ""","stream":true,"stream_options":{"include_usage":true}}""")));
        Assert.Matches("^[0-9a-f]{64}$", key);
    }

    [Theory]
    [InlineData("""{"model":"m","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Plan it!"}],"temperature":0.2}""")]
    [InlineData("""{"model":"m","messages":[{"role":"developer","content":"Be brief."},{"role":"user","content":"Plan it."}],"temperature":0.2}""")]
    [InlineData("""{"model":"m","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Plan it.","name":"ann"}],"temperature":0.2}""")]
    [InlineData(Base + ""","temperature":0.3}""")]
    [InlineData("""{"model":"m","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Plan it."}]}""")]
    [InlineData(Base + ""","top_p":0.9}""")]
    [InlineData(Base + ""","max_tokens":100}""")]
    [InlineData(Base + ""","seed":7}""")]
    [InlineData(Base + ""","stop":["\n"]}""")]
    [InlineData(Base + ""","presence_penalty":0.5}""")]
    [InlineData(Base + ""","frequency_penalty":0.5}""")]
    [InlineData(Base + ""","user":"u1"}""")]
    [InlineData(Base + ""","metadata":{"k":"v"}}""")]
    [InlineData(Base + ""","response_format":{"type":"json_object"}}""")]
    [InlineData(Base + ""","response_format":{"type":"json_schema","json_schema":{"name":"a","schema":{"type":"object","properties":{"x":{"type":"string"}}}}}}""")]
    [InlineData(Base + ""","response_format":{"type":"json_schema","json_schema":{"name":"a","strict":true,"schema":{"type":"object","properties":{"x":{"type":"number"}}}}}}""")]
    public void Cache_key_changes_with_anything_that_changes_the_answer(string changed)
    {
        var key = CacheKey.Compute("openai", "gpt-4o", Request(Base + ""","response_format":{"type":"json_schema","json_schema":{"name":"a","strict":true,"schema":{"type":"object","properties":{"x":{"type":"string"}}}}}}"""));
        var plain = CacheKey.Compute("openai", "gpt-4o", Request(Base + "}"));
        var other = CacheKey.Compute("openai", "gpt-4o", Request(changed));
        Assert.NotEqual(plain, other);
        if (!changed.Contains("\"strict\":true,\"schema\":{\"type\":\"object\",\"properties\":{\"x\":{\"type\":\"string\"", StringComparison.Ordinal)) Assert.NotEqual(key, other);
    }

    [Fact]
    public void Cache_key_depends_on_provider_and_model_but_not_on_schema_key_order()
    {
        var request = Request(Base + ""","response_format":{"type":"json_schema","json_schema":{"name":"a","schema":{"type":"object","required":["x"],"properties":{"x":{"type":"string"}}}}}}""");
        var reordered = Request(Base + ""","response_format":{"type":"json_schema","json_schema":{"name":"a","schema":{"properties":{"x":{"type":"string"}},"required":["x"],"type":"object"}}}}""");
        Assert.Equal(CacheKey.Compute("openai", "gpt-4o", request), CacheKey.Compute("openai", "gpt-4o", reordered));
        Assert.NotEqual(CacheKey.Compute("openai", "gpt-4o", request), CacheKey.Compute("azure", "gpt-4o", request));
        Assert.NotEqual(CacheKey.Compute("openai", "gpt-4o", request), CacheKey.Compute("openai", "gpt-4o-mini", request));
    }

    [Fact]
    public void Breaker_opens_after_the_threshold_probes_once_after_the_break_and_closes_on_success()
    {
        var time = new FakeTimeProvider();
        var breaker = new CircuitBreaker(3, TimeSpan.FromSeconds(30), time);

        for (var i = 0; i < 2; i++) breaker.OnFailure(breaker.TryAcquire());
        Assert.Equal(BreakerState.Closed, breaker.State);
        breaker.OnSuccess(breaker.TryAcquire()); // a success resets the count
        for (var i = 0; i < 2; i++) breaker.OnFailure(breaker.TryAcquire());
        Assert.Equal(BreakerState.Closed, breaker.State);
        breaker.OnFailure(breaker.TryAcquire());
        Assert.Equal(BreakerState.Open, breaker.State);
        Assert.Equal(BreakerPermit.Rejected, breaker.TryAcquire());
        Assert.Equal(TimeSpan.FromSeconds(30), breaker.RetryAfter);

        time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(BreakerState.HalfOpen, breaker.State);
        var probe = breaker.TryAcquire();
        Assert.Equal(BreakerPermit.Probe, probe);
        Assert.Equal(BreakerPermit.Rejected, breaker.TryAcquire()); // one probe at a time
        breaker.OnSuccess(probe);
        Assert.Equal(BreakerState.Closed, breaker.State);
        Assert.Equal(BreakerPermit.Allowed, breaker.TryAcquire());
    }

    [Fact]
    public void Failed_probe_reopens_for_a_whole_break_and_an_ignored_one_frees_the_probe()
    {
        var time = new FakeTimeProvider();
        var breaker = new CircuitBreaker(1, TimeSpan.FromSeconds(10), time);
        breaker.OnFailure(breaker.TryAcquire());
        time.Advance(TimeSpan.FromSeconds(10));

        var probe = breaker.TryAcquire();
        breaker.OnIgnored(probe); // e.g. the caller went away
        probe = breaker.TryAcquire();
        Assert.Equal(BreakerPermit.Probe, probe);
        breaker.OnFailure(probe);
        Assert.Equal(BreakerState.Open, breaker.State);
        time.Advance(TimeSpan.FromSeconds(9));
        Assert.Equal(BreakerPermit.Rejected, breaker.TryAcquire());
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(BreakerPermit.Probe, breaker.TryAcquire());
    }

    [Theory]
    [InlineData("7", null, 7000)]
    [InlineData("1.5", null, 1500)]
    [InlineData(" 0 ", null, 0)]
    [InlineData("7", "250", 250)] // OpenAI's retry-after-ms is more precise
    [InlineData("Wed, 01 Jan 2031 00:00:30 GMT", null, 30000)]
    [InlineData("Wed, 01 Jan 2031 00:00:00 GMT", null, 0)] // a date in the past: no wait
    [InlineData("-3", null, null)]
    [InlineData("soon", null, null)]
    [InlineData(null, null, null)]
    public void Retry_after_is_read_as_seconds_milliseconds_or_a_date(string? retryAfter, string? retryAfterMs, int? expectedMs)
    {
        var now = new DateTimeOffset(2031, 1, 1, 0, 0, 0, TimeSpan.Zero);
        Assert.Equal(expectedMs is null ? null : TimeSpan.FromMilliseconds(expectedMs.Value), RetryTiming.Parse(retryAfter, retryAfterMs, now));
    }

    [Fact]
    public void Backoff_doubles_with_jitter_and_is_capped()
    {
        Assert.Equal(TimeSpan.FromMilliseconds(250), RetryTiming.Backoff(1, 0.5));
        Assert.Equal(TimeSpan.FromMilliseconds(500), RetryTiming.Backoff(2, 0.5));
        Assert.Equal(TimeSpan.FromMilliseconds(200), RetryTiming.Backoff(1, 0)); // -20 %
        Assert.Equal(TimeSpan.FromMilliseconds(1200), RetryTiming.Backoff(3, 1)); // +20 %
        Assert.Equal(TimeSpan.FromSeconds(4), RetryTiming.Backoff(12, 0.5));
        Assert.Equal("1", RetryTiming.ToHeader(TimeSpan.FromMilliseconds(10)));
        Assert.Equal("3", RetryTiming.ToHeader(TimeSpan.FromMilliseconds(2001)));
    }

    private static readonly ResolvedRoute Route = new("manager", [new("openai", "gpt-4o"), new("anthropic", "claude")], RouteMatch.Role);

    [Theory]
    [InlineData(503, 503, 503, "service_unavailable", true)]
    [InlineData(500, 500, 502, "upstream_error", true)]
    [InlineData(429, 429, 429, "rate_limit_exceeded", true)]
    [InlineData(401, 403, 502, "upstream_authentication_failed", false)]
    [InlineData(401, 503, 503, "service_unavailable", true)]
    [InlineData(504, 408, 504, "upstream_timeout", true)]
    public void Errors_after_every_target_failed_say_what_happened_and_whether_to_retry(int first, int second, int status, string code, bool retryable)
    {
        var error = GatewayErrors.FromFailures(Route,
        [
            (Route.Targets[0], ProviderFailure.FromStatus(first, null, $"status {first}")),
            (Route.Targets[1], ProviderFailure.FromStatus(second, null, $"status {second}")),
        ]);
        Assert.Equal((status, code, retryable), (error.Status, error.Code, error.Retryable));
        Assert.Contains("openai/gpt-4o", error.Message);
        Assert.Contains("anthropic/claude", error.Message);
    }

    [Fact]
    public void A_rejected_request_is_a_non_retryable_400_and_open_breakers_a_retryable_503()
    {
        var rejected = GatewayErrors.FromFailures(Route, [(Route.Targets[0], ProviderFailure.FromStatus(422, null, "status 422"))]);
        Assert.Equal((400, GatewayErrors.UpstreamRejectedRequest, false), (rejected.Status, rejected.Code, rejected.Retryable));

        var open = GatewayErrors.FromFailures(Route,
        [
            (Route.Targets[0], new ProviderFailure(FailureKind.CircuitOpen, null, TimeSpan.FromSeconds(12), "circuit open")),
            (Route.Targets[1], new ProviderFailure(FailureKind.CircuitOpen, null, TimeSpan.FromSeconds(4), "circuit open")),
        ]);
        Assert.Equal((503, GatewayErrors.CircuitOpen, true, TimeSpan.FromSeconds(4)), (open.Status, open.Code, open.Retryable, open.RetryAfter));
    }

    [Fact]
    public void Failure_kinds_decide_retry_fallback_and_breaker()
    {
        Assert.True(ProviderFailure.FromStatus(429, null, "").RetrySameProvider);
        Assert.False(ProviderFailure.FromStatus(429, null, "").CountsAgainstProvider);
        Assert.True(ProviderFailure.FromStatus(502, null, "").CountsAgainstProvider);
        Assert.False(ProviderFailure.FromStatus(401, null, "").RetrySameProvider);
        Assert.True(ProviderFailure.FromStatus(401, null, "").TryNextTarget);
        Assert.False(ProviderFailure.FromStatus(400, null, "").TryNextTarget);
        Assert.Equal(FailureKind.Timeout, ProviderFailure.Classify(new TaskCanceledException(), null, timedOut: true).Kind);
        Assert.Equal(FailureKind.Connection, ProviderFailure.Classify(new HttpRequestException("refused"), null, timedOut: false).Kind);
        Assert.Equal(FailureKind.StreamBroken,
            ProviderFailure.Classify(new IOException("reset"), new UpstreamResponseInfo { Status = 200 }, timedOut: false).Kind);
    }

    [Fact]
    public void Money_is_kept_in_whole_micro_dollars_rounded_up()
    {
        Assert.Equal(1_500_000, BudgetService.ToMicros(1.5m));
        Assert.Equal(1, BudgetService.ToMicros(0.0000001m)); // never reserve less than it may cost
        Assert.Equal(0.000001m, BudgetService.FromMicros(1));
        Assert.Equal("task", BudgetScope.Task("task_x", 2m).Kind);
        Assert.EndsWith(":20310101", BudgetScope.UserDay("u", 1m, new DateTimeOffset(2031, 1, 1, 23, 59, 0, TimeSpan.Zero)).Key);
    }
}
