namespace MultiAgent.AiGateway.Providers;

/// <summary>The gateway's configuration section <c>AI</c> (env <c>AI__Provider</c>, <c>AI__BaseUrl</c>, ...).</summary>
public sealed class AiGatewayOptions
{
    public const string SectionName = "AI";

    /// <summary>Which provider answers: <c>simulated</c> (default) or <c>openai</c> (any OpenAI-compatible endpoint).</summary>
    public string Provider { get; set; } = AiProviderNames.Simulated;

    /// <summary>The OpenAI-compatible endpoint, e.g. https://api.openai.com/v1 or http://localhost:11434/v1 (Ollama).</summary>
    public string? BaseUrl { get; set; }

    /// <summary>When set, every call uses this upstream model whatever model name the caller requested.</summary>
    public string? Model { get; set; }

    /// <summary>The upstream API key. A secret: never logged, never traced. May be empty (Ollama).</summary>
    public string? ApiKey { get; set; }

    /// <summary>USD per 1M tokens per model name (longest prefix wins), over the built-in defaults.</summary>
    public Dictionary<string, ModelPrice> Prices { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    public SimulatedModelOptions Simulated { get; set; } = new();
}

/// <summary>A model's price in USD per one million tokens.</summary>
public sealed class ModelPrice
{
    public decimal Input { get; set; }
    public decimal Output { get; set; }
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

    /// <summary>
    /// Test-only: when true, <c>[[sim:name=value;...]]</c> markers in the prompt steer generation (see docs/simulated-model.md).
    /// Off by default: the markers are then inert text.
    /// </summary>
    public bool AllowDirectives { get; set; }
}

public static class AiProviderNames
{
    public const string Simulated = "simulated";
    public const string OpenAI = "openai";

    public static readonly IReadOnlyList<string> All = [Simulated, OpenAI];
}
