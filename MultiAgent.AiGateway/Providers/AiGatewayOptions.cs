namespace MultiAgent.AiGateway.Providers;

/// <summary>
/// The gateway's configuration section <c>AI</c> (environment <c>AI__Providers__openai__BaseUrl</c>, ...): the providers,
/// the routes that map a caller's model or agent role to an ordered fallback chain of provider/model targets, prices,
/// cache, budgets, telemetry and the simulated model's knobs. See the README's "Configuration".
/// </summary>
public sealed class AiGatewayOptions
{
    public const string SectionName = "AI";

    /// <summary>The name of the built-in simulated provider, present unless configured otherwise.</summary>
    public const string SimulatedProviderName = "simulated";

    /// <summary>The route used when neither the requested model nor the agent role names one.</summary>
    public const string DefaultRoute = "default";

    /// <summary>Providers by name (lower-case letters, digits and '-'): <c>AI:Providers:&lt;name&gt;:Type</c>, ...</summary>
    public Dictionary<string, ProviderOptions> Providers { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Routes by name: an ordered list of <c>provider/model</c> targets, the first tried first
    /// (<c>AI:Routes:manager:0 = openai/gpt-4o</c>, <c>AI:Routes:manager:1 = anthropic/claude-sonnet-4-5</c>).
    /// A target's model <c>*</c> (or none) passes the requested model name through.
    /// </summary>
    public Dictionary<string, List<string>> Routes { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>USD per 1M tokens per model name (longest prefix wins), over the built-in defaults.</summary>
    public Dictionary<string, ModelPrice> Prices { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    public SimulatedModelOptions Simulated { get; set; } = new();

    public CacheOptions Cache { get; set; } = new();

    public BudgetOptions Budgets { get; set; } = new();

    public TelemetryOptions Telemetry { get; set; } = new();

    // Settings of the single-provider configuration this one replaced; any value fails startup with a pointer to the new keys.
    public string? Provider { get; set; }
    public string? Model { get; set; }
    public string? BaseUrl { get; set; }
}

/// <summary>One upstream provider: its kind, endpoint, key, limits and resilience settings.</summary>
public sealed class ProviderOptions
{
    /// <summary><c>simulated</c>, <c>openai</c> (any OpenAI-compatible endpoint: OpenAI, Azure OpenAI, Ollama, vLLM) or <c>anthropic</c>.</summary>
    public string Type { get; set; } = "";

    /// <summary>The endpoint: e.g. https://api.openai.com/v1, https://RESOURCE.openai.azure.com/openai/v1, http://localhost:11434/v1, https://api.anthropic.com.</summary>
    public string? BaseUrl { get; set; }

    /// <summary>The provider's API key. A secret (an AppHost parameter): never logged, never traced. May be empty (Ollama).</summary>
    public string? ApiKey { get; set; }

    /// <summary>Send the key in this header instead of <c>Authorization: Bearer</c> (Azure OpenAI: <c>api-key</c>).</summary>
    public string? ApiKeyHeader { get; set; }

    /// <summary>Requests per minute across every gateway replica (Redis); none when unset.</summary>
    public int? Rpm { get; set; }

    /// <summary>Tokens (prompt estimate + max output, settled to the reported usage) per minute across every replica; none when unset.</summary>
    public int? Tpm { get; set; }

    /// <summary>How long a call over the RPM/TPM limit may wait for room before it gets 429.</summary>
    public double QueueTimeoutSeconds { get; set; } = 30;

    /// <summary>How many calls may wait for room at once, per replica; beyond that a call gets 429 at once.</summary>
    public int MaxQueue { get; set; } = 100;

    /// <summary>Per attempt: time to the first streamed token or the whole answer, and the longest gap between streamed chunks.</summary>
    public double TimeoutSeconds { get; set; } = 120;

    /// <summary>Attempts on this provider (with exponential backoff, honouring Retry-After) before the next target of the route.</summary>
    public int MaxAttempts { get; set; } = 2;

    /// <summary>Consecutive failures (5xx, timeout, connection, broken stream, refused key) that open the circuit breaker.</summary>
    public int BreakerFailureThreshold { get; set; } = 5;

    /// <summary>How long an open breaker keeps calls away from the provider before one probe call is let through.</summary>
    public double BreakerBreakSeconds { get; set; } = 30;
}

/// <summary>A model's price in USD per one million tokens.</summary>
public sealed class ModelPrice
{
    public decimal Input { get; set; }

    /// <summary>Price of input tokens the provider served from its prompt cache; the input price when unset.</summary>
    public decimal? CachedInput { get; set; }

    public decimal Output { get; set; }
}

/// <summary>The exact-match response cache (<c>AI:Cache</c>), kept in Redis.</summary>
public sealed class CacheOptions
{
    public bool Enabled { get; set; } = true;

    public int TtlSeconds { get; set; } = 3600;
}

/// <summary>Spending limits (<c>AI:Budgets</c>); a task's own limit comes with each call in a header.</summary>
public sealed class BudgetOptions
{
    /// <summary>USD a user (header X-MultiAgent-User-Id) may spend per UTC day; none when unset.</summary>
    public decimal? UserDailyUsd { get; set; }

    /// <summary>Output tokens reserved for a call that sets no max_tokens.</summary>
    public int DefaultMaxOutputTokens { get; set; } = 4096;
}

/// <summary><c>AI:Telemetry</c>.</summary>
public sealed class TelemetryOptions
{
    /// <summary>Put prompt and answer text on the call's span (gen_ai.input.messages / gen_ai.output.messages). Off by default.</summary>
    public bool CaptureContent { get; set; }
}

/// <summary>Knobs of the built-in simulated model (<c>AI:Simulated</c>).</summary>
public sealed class SimulatedModelOptions
{
    /// <summary>Delay added to every call, in milliseconds (honours cancellation).</summary>
    public int LatencyMs { get; set; }

    /// <summary>Share of calls (0–1) that fail with <see cref="FailureStatusCode"/>; random per call, not per request.</summary>
    public double FailureRate { get; set; }

    /// <summary>Status code of injected failures: 503 (default), 429 (adds Retry-After), or any other (seen by callers as 502).</summary>
    public int FailureStatusCode { get; set; } = 503;

    /// <summary>Retry-After seconds sent with injected 429s.</summary>
    public int RetryAfterSeconds { get; set; } = 1;

    /// <summary>Characters per streamed chunk.</summary>
    public int StreamChunkChars { get; set; } = 24;

}

public static class AiProviderTypes
{
    public const string Simulated = "simulated";
    public const string OpenAI = "openai";
    public const string Anthropic = "anthropic";

    public static readonly IReadOnlyList<string> All = [Simulated, OpenAI, Anthropic];
}
