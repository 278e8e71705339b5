namespace MultiAgent.AiGateway.Ledger;

/// <summary>
/// One call through the gateway, as billed: a row of <c>usage_records</c> in the gateway's own database. Written once per
/// call id (and at most once per idempotency key) by <see cref="LedgerWriter"/>; read through <see cref="UsageQueries"/>.
/// </summary>
public sealed class LedgerEntry
{
    /// <summary>The gateway's id of the call (the response id); the primary key, so a batch written twice stays one row.</summary>
    public required string CallId { get; init; }

    /// <summary>The caller's Idempotency-Key, if any; unique, so a repeated key is never billed twice.</summary>
    public string? IdempotencyKey { get; init; }

    public string? TaskId { get; init; }
    public string? AgentId { get; init; }
    public string? AgentRole { get; init; }
    public string? UserId { get; init; }

    /// <summary>The route the call took (<c>manager</c>, <c>default</c>, <c>openai/gpt-4o</c>, ...).</summary>
    public required string Route { get; init; }

    /// <summary>The provider that answered (or the last one tried, for a failed call); <c>cache</c> never appears: see <see cref="CacheHit"/>.</summary>
    public required string Provider { get; init; }

    /// <summary>The model as the provider reported it.</summary>
    public required string Model { get; init; }

    /// <summary>The model the caller named.</summary>
    public required string RequestedModel { get; init; }

    public int InputTokens { get; init; }

    /// <summary>Input tokens the provider served from its prompt cache (priced as cached input).</summary>
    public int CachedInputTokens { get; init; }

    public int OutputTokens { get; init; }

    /// <summary>USD; 0 for cache hits, the simulated model and failed calls; null when the model's price is unknown.</summary>
    public decimal? CostUsd { get; init; }

    public int LatencyMs { get; init; }

    /// <summary><c>ok</c>, or the error code the caller got (<c>rate_limit_exceeded</c>, <c>budget_exceeded</c>, <c>stream_interrupted</c>, ...).</summary>
    public required string Outcome { get; init; }

    public string? FinishReason { get; init; }

    public bool CacheHit { get; init; }

    public bool Stream { get; init; }

    /// <summary>Attempts made on providers (0 for a cache hit).</summary>
    public int Attempts { get; init; }

    /// <summary>The answer came from a target after the route's first.</summary>
    public bool Fallback { get; init; }

    public DateTime CreatedAt { get; init; }
}
