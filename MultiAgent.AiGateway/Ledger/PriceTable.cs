using Microsoft.Extensions.Options;
using MultiAgent.AiGateway.Providers;

namespace MultiAgent.AiGateway.Ledger;

/// <summary>
/// USD per 1M tokens per model: built-in list prices, overridden or extended by configuration <c>AI:Prices:&lt;model&gt;</c>
/// (<c>Input</c>, <c>CachedInput</c>, <c>Output</c>). A model matches its own name or the longest configured prefix
/// (gpt-4o-2024-08-06 → gpt-4o; gpt-4o-mini-2024-07-18 → gpt-4o-mini). Unknown models cost null (unknown).
/// </summary>
public sealed class PriceTable
{
    public static readonly IReadOnlyDictionary<string, ModelPrice> Defaults = new Dictionary<string, ModelPrice>(StringComparer.OrdinalIgnoreCase)
    {
        ["gpt-4o"] = new() { Input = 2.50m, CachedInput = 1.25m, Output = 10.00m },
        ["gpt-4o-mini"] = new() { Input = 0.15m, CachedInput = 0.075m, Output = 0.60m },
        ["gpt-4.1"] = new() { Input = 2.00m, CachedInput = 0.50m, Output = 8.00m },
        ["gpt-4.1-mini"] = new() { Input = 0.40m, CachedInput = 0.10m, Output = 1.60m },
        ["gpt-4.1-nano"] = new() { Input = 0.10m, CachedInput = 0.025m, Output = 0.40m },
        ["gpt-4-turbo"] = new() { Input = 10.00m, Output = 30.00m },
        ["gpt-4"] = new() { Input = 30.00m, Output = 60.00m },
        ["gpt-3.5-turbo"] = new() { Input = 0.50m, Output = 1.50m },
        ["claude-3-5-sonnet"] = new() { Input = 3.00m, CachedInput = 0.30m, Output = 15.00m },
        ["claude-3-7-sonnet"] = new() { Input = 3.00m, CachedInput = 0.30m, Output = 15.00m },
        ["claude-3-5-haiku"] = new() { Input = 0.80m, CachedInput = 0.08m, Output = 4.00m },
        ["claude-3-opus"] = new() { Input = 15.00m, CachedInput = 1.50m, Output = 75.00m },
        ["claude-3-sonnet"] = new() { Input = 3.00m, CachedInput = 0.30m, Output = 15.00m },
        ["claude-3-haiku"] = new() { Input = 0.25m, CachedInput = 0.03m, Output = 1.25m },
        ["claude-sonnet-4"] = new() { Input = 3.00m, CachedInput = 0.30m, Output = 15.00m },
        ["claude-opus-4"] = new() { Input = 15.00m, CachedInput = 1.50m, Output = 75.00m },
        ["claude-haiku-4"] = new() { Input = 1.00m, CachedInput = 0.10m, Output = 5.00m },
    };

    private readonly Dictionary<string, ModelPrice> _prices;

    public PriceTable(IOptions<AiGatewayOptions> options)
        : this(options.Value.Prices)
    {
    }

    public PriceTable(IReadOnlyDictionary<string, ModelPrice>? overrides)
    {
        _prices = new Dictionary<string, ModelPrice>(Defaults, StringComparer.OrdinalIgnoreCase);
        foreach (var (model, price) in overrides ?? new Dictionary<string, ModelPrice>())
        {
            _prices[model] = price;
        }
    }

    public ModelPrice? Find(string model)
    {
        if (_prices.TryGetValue(model, out var exact)) return exact;
        return _prices
            .Where(p => model.StartsWith(p.Key, StringComparison.OrdinalIgnoreCase))
            .OrderByDescending(p => p.Key.Length)
            .Select(p => p.Value)
            .FirstOrDefault();
    }

    /// <summary>
    /// The cost of a call in USD (8 decimals), or null when the model's price is unknown. <paramref name="cachedInputTokens"/>
    /// of the <paramref name="inputTokens"/> were served from the provider's prompt cache and cost the cached-input price.
    /// </summary>
    public decimal? Cost(string model, long inputTokens, long outputTokens, long cachedInputTokens = 0)
    {
        if (Find(model) is not { } price) return null;
        var cached = Math.Clamp(cachedInputTokens, 0, inputTokens);
        var cost = ((inputTokens - cached) * price.Input + cached * (price.CachedInput ?? price.Input) + outputTokens * price.Output) / 1_000_000m;
        return Math.Round(cost, 8, MidpointRounding.AwayFromZero);
    }

    /// <summary>The most a call may cost: <paramref name="inputTokens"/> at the input price plus <paramref name="maxOutputTokens"/> at the output price (0 for an unknown model).</summary>
    public decimal MaxCost(string model, long inputTokens, long maxOutputTokens) =>
        Find(model) is { } price ? (inputTokens * price.Input + maxOutputTokens * price.Output) / 1_000_000m : 0m;
}
