using MultiAgent.AiGateway.Apis;
using MultiAgent.AiGateway.Providers;
using MultiAgent.AiGateway.Usage;

namespace MultiAgent.Tests.AiGateway;

public class PricingAndOptionsTests
{
    [Fact]
    public void Cost_uses_the_longest_matching_model_prefix()
    {
        var prices = new PriceTable(overrides: null);

        Assert.Equal(2.50m, prices.Find("gpt-4o")!.Input);
        Assert.Equal(0.15m, prices.Find("gpt-4o-mini-2024-07-18")!.Input);
        Assert.Equal(2.50m, prices.Find("gpt-4o-2024-08-06")!.Input);
        Assert.Equal(15.00m, prices.Find("claude-3-opus-20240229")!.Input);
        // 1M prompt tokens of gpt-4o at $2.50 plus 1M completion tokens at $10.
        Assert.Equal(12.50m, prices.Cost("gpt-4o", 1_000_000, 1_000_000));
        Assert.Equal(0.000450m, prices.Cost("gpt-4o-mini", 1000, 500));
        Assert.Null(prices.Cost("some-local-model", 10, 10));
    }

    [Fact]
    public void Configured_prices_override_and_extend_the_defaults()
    {
        var prices = new PriceTable(new Dictionary<string, ModelPrice>
        {
            ["gpt-4o"] = new() { Input = 1m, Output = 2m },
            ["llama3.1"] = new() { Input = 0m, Output = 0m },
        });

        Assert.Equal(3m, prices.Cost("gpt-4o", 1_000_000, 1_000_000));
        Assert.Equal(0m, prices.Cost("llama3.1:8b", 500, 500));
    }

    [Theory]
    [InlineData("simulated", null, null, true, null)]
    [InlineData("SIMULATED", null, null, true, null)]
    [InlineData("openai", "https://api.openai.com/v1", "gpt-4o-mini", true, null)]
    [InlineData("openai", null, "gpt-4o-mini", false, "AI__BaseUrl")]
    [InlineData("openai", "https://api.openai.com/v1", null, false, "AI__Model")]
    [InlineData("openai", "not a url", "m", false, "absolute http(s) URL")]
    [InlineData("anthropic", null, null, false, "Valid values: simulated, openai")]
    public void Options_validation_explains_what_to_set(string provider, string? baseUrl, string? model, bool valid, string? expected)
    {
        var result = new AiGatewayOptionsValidator().Validate(null, new AiGatewayOptions { Provider = provider, BaseUrl = baseUrl, Model = model });
        Assert.Equal(valid, result.Succeeded);
        if (expected is not null) Assert.Contains(expected, result.FailureMessage);
    }

    [Fact]
    public void Simulated_knobs_are_validated()
    {
        var result = new AiGatewayOptionsValidator().Validate(null, new AiGatewayOptions
        {
            Simulated = new SimulatedModelOptions { FailureRate = 1.5, FailureStatusCode = 200, StreamChunkChars = 0 },
        });
        Assert.False(result.Succeeded);
        Assert.Contains("FailureRate", result.FailureMessage);
        Assert.Contains("FailureStatusCode", result.FailureMessage);
        Assert.Contains("StreamChunkChars", result.FailureMessage);
    }

    [Theory]
    [InlineData(429, 429, "7")]
    [InlineData(503, 503, null)]
    [InlineData(500, 502, null)]
    [InlineData(401, 502, null)]
    [InlineData(404, 400, null)]
    public void Upstream_errors_map_to_the_callers_status(int upstream, int expected, string? retryAfter)
    {
        var ex = new ProviderException(upstream, "boom", retryAfter is null ? null : TimeSpan.FromSeconds(7));
        var mapped = ChatCompletionsApi.MapUpstreamError(ex);
        Assert.Equal(expected, mapped.Status);
        Assert.Equal(retryAfter, mapped.RetryAfter);
    }

    [Fact]
    public void Simulated_provider_passes_the_requested_model_through_and_openai_overrides_it()
    {
        var simulated = new ModelProvider("simulated", new MultiAgent.AiGateway.Simulated.SimulatedChatClient(new SimulatedModelOptions()), null, isBilled: false);
        Assert.Equal("gpt-4o", simulated.ResolveModel("gpt-4o"));

        var openai = new ModelProvider("openai", new MultiAgent.AiGateway.Simulated.SimulatedChatClient(new SimulatedModelOptions()), "llama3.1", isBilled: true);
        Assert.Equal("llama3.1", openai.ResolveModel("gpt-4o"));
    }
}
