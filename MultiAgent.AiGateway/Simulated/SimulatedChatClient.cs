using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using MultiAgent.AiGateway.Providers;

namespace MultiAgent.AiGateway.Simulated;

/// <summary>
/// The built-in simulated model: a real <see cref="IChatClient"/> provider that needs no key and no network.
/// Deterministic per request (model, messages, response format/schema, temperature, seed); answers JSON that
/// validates against a requested schema, made of the prompt's words; reports usage (characters / 4); has latency
/// and fault-injection knobs (AI:Simulated). Its prose answers start with "(Simulated model)".
/// See docs/simulated-model.md.
/// </summary>
public sealed class SimulatedChatClient : IChatClient
{
    public const string ProviderName = AiProviderTypes.Simulated;

    /// <summary>First words of every prose answer, so nobody mistakes it for a real model's.</summary>
    public const string Marker = "(Simulated model)";

    private readonly Func<SimulatedModelOptions> _settings;
    private readonly TimeProvider _time;

    public SimulatedChatClient(SimulatedModelOptions settings, TimeProvider? time = null)
        : this(() => settings, time)
    {
    }

    public SimulatedChatClient(Func<SimulatedModelOptions> settings, TimeProvider? time = null)
    {
        _settings = settings;
        _time = time ?? TimeProvider.System;
    }

    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var settings = _settings();
        var answer = Answer(messages.ToList(), options, settings);
        await DelayOrFailAsync(answer, settings, cancellationToken).ConfigureAwait(false);

        var responseId = NewResponseId();
        return new ChatResponse(new ChatMessage(ChatRole.Assistant, answer.Text) { MessageId = responseId })
        {
            ResponseId = responseId,
            ModelId = ModelOf(options),
            CreatedAt = _time.GetUtcNow(),
            FinishReason = answer.FinishReason,
            Usage = answer.Usage,
        };
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var settings = _settings();
        var answer = Answer(messages.ToList(), options, settings);
        // Failures and latency come before the first update, as with a real provider's response headers.
        await DelayOrFailAsync(answer, settings, cancellationToken).ConfigureAwait(false);

        var responseId = NewResponseId();
        var created = _time.GetUtcNow();
        var model = ModelOf(options);
        var chunkChars = Math.Max(1, settings.StreamChunkChars);
        var text = answer.Text;
        for (var start = 0; start < text.Length;)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var length = Math.Min(chunkChars, text.Length - start);
            if (start + length < text.Length && char.IsHighSurrogate(text[start + length - 1])) length++;
            yield return new ChatResponseUpdate(ChatRole.Assistant, text.Substring(start, length))
            {
                ResponseId = responseId,
                MessageId = responseId,
                ModelId = model,
                CreatedAt = created,
            };
            start += length;
        }

        yield return new ChatResponseUpdate(ChatRole.Assistant, [new UsageContent(answer.Usage)])
        {
            ResponseId = responseId,
            MessageId = responseId,
            ModelId = model,
            CreatedAt = created,
            FinishReason = answer.FinishReason,
        };
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is null && serviceType == typeof(ChatClientMetadata)
            ? new ChatClientMetadata(ProviderName, defaultModelId: "simulated")
            : serviceKey is null && serviceType.IsInstanceOfType(this) ? this : null;

    public void Dispose()
    {
    }

    /// <summary>The answer to a request, without latency or injected failures: a pure function of the request.</summary>
    public static SimulatedAnswer Answer(IReadOnlyList<ChatMessage> messages, ChatOptions? options, SimulatedModelOptions settings)
    {
        var rng = RequestFingerprint.CreateRandom(RequestFingerprint.Compute(messages, options));

        var userTexts = messages.Where(m => m.Role == ChatRole.User).Select(m => m.Text).Where(t => !string.IsNullOrWhiteSpace(t)).ToList();
        var vocabulary = new PromptVocabulary(userTexts.Count > 0 ? userTexts : messages.Select(m => m.Text));

        string text;
        var finishReason = ChatFinishReason.Stop;
        if (options?.ResponseFormat is ChatResponseFormatJson json)
        {
            var node = json.Schema is { } schema ? SchemaAnswerGenerator.Generate(schema, rng, vocabulary) : SmallJsonObject(rng, vocabulary);
            text = node?.ToJsonString(AnswerJson) ?? "null";
        }
        else
        {
            text = Prose(rng, vocabulary);
            if (options?.StopSequences is { Count: > 0 } stops)
            {
                var cut = stops.Where(s => s.Length > 0).Select(s => text.IndexOf(s, StringComparison.Ordinal)).Where(i => i >= 0).DefaultIfEmpty(-1).Min();
                if (cut >= 0) text = text[..cut];
            }
            if (options?.MaxOutputTokens is { } max && EstimateTokens(text) > max)
            {
                text = text[..Math.Min(text.Length, max * 4)];
                finishReason = ChatFinishReason.Length;
            }
        }

        var promptChars = messages.Sum(m => (long)m.Text.Length);
        var usage = new UsageDetails
        {
            InputTokenCount = Math.Max(1, (promptChars + 3) / 4),
            OutputTokenCount = EstimateTokens(text),
        };
        usage.TotalTokenCount = usage.InputTokenCount + usage.OutputTokenCount;

        return new SimulatedAnswer(text, finishReason, usage, settings.LatencyMs, null);
    }

    private static readonly System.Text.Json.JsonSerializerOptions AnswerJson = new()
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private static long EstimateTokens(string text) => Math.Max(1, (text.Length + 3) / 4);

    private static string Prose(Random rng, PromptVocabulary vocabulary)
    {
        var sb = new StringBuilder();
        sb.Append(Marker).Append(' ').Append(vocabulary.Notice());
        var paragraphs = rng.Next(2, 4);
        for (var i = 0; i < paragraphs; i++)
        {
            sb.Append("\n\n").Append(vocabulary.Sentences(rng, rng.Next(3, 6)));
        }
        return sb.ToString();
    }

    private static JsonObject SmallJsonObject(Random rng, PromptVocabulary vocabulary) =>
        new()
        {
            ["simulated"] = true,
            ["summary"] = vocabulary.Sentences(rng, 2),
            ["key_points"] = new JsonArray(vocabulary.Sentence(rng), vocabulary.Sentence(rng), vocabulary.Sentence(rng)),
            ["confidence"] = Math.Round(0.70m + (decimal)rng.NextDouble() * 0.25m, 2),
        };

    private static async Task DelayOrFailAsync(SimulatedAnswer answer, SimulatedModelOptions settings, CancellationToken cancellationToken)
    {
        var latencyMs = answer.LatencyMs;
        // Fault injection is random per call (not per request), so that retries can succeed.
        if (settings.FailureRate > 0 && Random.Shared.NextDouble() < settings.FailureRate)
        {
            var status = settings.FailureStatusCode;
            throw new ProviderException(
                status,
                $"The simulated model failed this call on purpose (AI:Simulated:FailureRate = {settings.FailureRate}, status {status}).",
                status == 429 ? TimeSpan.FromSeconds(Math.Max(0, settings.RetryAfterSeconds)) : null);
        }

        if (latencyMs > 0)
        {
            await Task.Delay(latencyMs, cancellationToken).ConfigureAwait(false);
        }
    }

    private static string ModelOf(ChatOptions? options) => options?.ModelId is { Length: > 0 } model ? model : "simulated";

    private static string NewResponseId() => "chatcmpl-sim" + Guid.NewGuid().ToString("N")[..20];
}

/// <summary>What the simulated model answers to one request.</summary>
/// <param name="FailStatus">A provider error this call must answer with (test directive <c>fail=unavailable</c> or <c>fail=ratelimit</c>).</param>
public sealed record SimulatedAnswer(string Text, ChatFinishReason FinishReason, UsageDetails Usage, int LatencyMs, int? FailStatus = null);
