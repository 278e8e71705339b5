using MultiAgent.AiGateway.Ledger;
using MultiAgent.AiGateway.Providers;

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
    public void Cached_input_tokens_are_priced_as_cached_input()
    {
        var prices = new PriceTable(new Dictionary<string, ModelPrice>
        {
            ["m"] = new() { Input = 10m, CachedInput = 1m, Output = 100m },
            ["no-cache-price"] = new() { Input = 10m, Output = 100m },
        });

        // 1M input of which 400k cached: 600k × $10 + 400k × $1 = $6.40; plus 10k output × $100/M = $1.
        Assert.Equal(7.40m, prices.Cost("m", 1_000_000, 10_000, cachedInputTokens: 400_000));
        // Without a cached price, cached tokens cost the input price.
        Assert.Equal(11m, prices.Cost("no-cache-price", 1_000_000, 10_000, cachedInputTokens: 400_000));
        // More cached than input (a provider's rounding) never makes the cost negative.
        Assert.Equal(1.00m, prices.Cost("m", 0, 10_000, cachedInputTokens: 5));
    }

    [Fact]
    public void Max_cost_is_the_prompt_estimate_plus_every_allowed_output_token()
    {
        var prices = new PriceTable(new Dictionary<string, ModelPrice> { ["m"] = new() { Input = 2m, Output = 8m } });
        Assert.Equal(0.0010m, prices.MaxCost("m", 100, 100));
        Assert.Equal(0m, prices.MaxCost("unknown-model", 100, 100));
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
    [InlineData("openai", "https://api.openai.com/v1", true, null)]
    [InlineData("OpenAI", "http://localhost:11434/v1", true, null)]
    [InlineData("anthropic", null, true, null)]
    [InlineData("simulated", null, true, null)]
    [InlineData("openai", null, false, "AI__Providers__p__BaseUrl")]
    [InlineData("openai", "not a url", false, "absolute http(s) URL")]
    [InlineData("bedrock", null, false, "Valid values: simulated, openai, anthropic")]
    public void Provider_validation_explains_what_to_set(string type, string? baseUrl, bool valid, string? expected)
    {
        var options = new AiGatewayOptions();
        options.Providers["p"] = new ProviderOptions { Type = type, BaseUrl = baseUrl };
        var result = new AiGatewayOptionsValidator().Validate(null, options);
        Assert.Equal(valid, result.Succeeded);
        if (expected is not null) Assert.Contains(expected, result.FailureMessage);
    }

    [Fact]
    public void A_real_provider_needs_a_model_name_in_a_route_the_simulated_one_does_not()
    {
        var options = new AiGatewayOptions();
        options.Providers["openai"] = new ProviderOptions { Type = "openai", BaseUrl = "https://api.openai.com/v1" };
        options.Routes["manager"] = ["openai", "simulated"];
        var result = new AiGatewayOptionsValidator().Validate(null, options);
        Assert.False(result.Succeeded);
        Assert.Contains("'openai/*' needs a model name", result.FailureMessage);
        Assert.DoesNotContain("simulated/*", result.FailureMessage);
    }

    [Theory]
    [InlineData("OpenAI")]
    [InlineData("my_provider")]
    [InlineData("1st")]
    public void Provider_names_are_lower_case_letters_digits_and_dashes(string name)
    {
        var options = new AiGatewayOptions();
        options.Providers[name] = new ProviderOptions { Type = "simulated" };
        var result = new AiGatewayOptionsValidator().Validate(null, options);
        // Names are lower-cased before use, so only the characters themselves can be wrong.
        Assert.Equal(name == "OpenAI", result.Succeeded);
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
}
