using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace MultiAgent.Tests.Support;

/// <summary>One request the fake upstream received, parsed.</summary>
/// <param name="Upstream">The first path segment: one server plays many upstreams (<c>/a/v1/...</c>, <c>/b/v1/...</c>).</param>
/// <param name="Protocol"><c>openai</c> (<c>/v1/chat/completions</c>) or <c>anthropic</c> (<c>/v1/messages</c>).</param>
/// <param name="Sequence">1-based position among the requests this upstream received.</param>
public sealed record FakeRequest(
    string Upstream,
    string Protocol,
    int Sequence,
    string Model,
    bool Stream,
    IReadOnlyList<FakeMessage> Messages,
    string? System,
    int? MaxTokens,
    JsonObject Body,
    IReadOnlyDictionary<string, string> Headers)
{
    /// <summary>The text of every message, system included, one per line.</summary>
    public string AllText => string.Join('\n', new[] { System ?? "" }.Concat(Messages.Select(m => m.Text)));

    public string? Header(string name) => Headers.TryGetValue(name.ToLowerInvariant(), out var value) ? value : null;
}

public sealed record FakeMessage(string Role, string Text);

/// <summary>
/// What the fake upstream does with one request: answer (text, usage), fail with a status (and Retry-After), wait first,
/// or, streamed, cut the connection after some chunks or end without a finish.
/// </summary>
public sealed record FakeReply
{
    public string Text { get; init; } = "A fake answer.";
    public int Status { get; init; } = 200;
    public TimeSpan? RetryAfter { get; init; }
    public TimeSpan Delay { get; init; }
    public int PromptTokens { get; init; } = 10;
    public int CompletionTokens { get; init; } = 5;
    public int CachedPromptTokens { get; init; }
    public string FinishReason { get; init; } = "stop";

    /// <summary>Characters per streamed chunk.</summary>
    public int ChunkChars { get; init; } = 8;

    /// <summary>Streamed: after this many content chunks, abort the connection (a provider dying mid-answer).</summary>
    public int? CutAfterChunks { get; init; }

    /// <summary>Streamed: end the response cleanly after the content, but with no finish, usage or [DONE] (a truncated stream).</summary>
    public bool EndWithoutFinish { get; init; }

    /// <summary>Delay between streamed chunks.</summary>
    public TimeSpan ChunkDelay { get; init; }

    public static FakeReply Answer(string text, int promptTokens = 10, int completionTokens = 5) =>
        new() { Text = text, PromptTokens = promptTokens, CompletionTokens = completionTokens };

    public static FakeReply Error(int status, TimeSpan? retryAfter = null) => new() { Status = status, RetryAfter = retryAfter };
}

/// <summary>
/// An OpenAI-compatible and Anthropic-messages-compatible model server that a test starts in-process (Kestrel on a free
/// loopback port). One server plays any number of upstreams, told apart by the first path segment: point a provider at
/// <see cref="OpenAIBaseUrl"/> or <see cref="AnthropicBaseUrl"/>. Every request is recorded (<see cref="Received"/>) and
/// answered by the upstream's script (<see cref="Script"/>), a delegate that sees the parsed request — so a test can
/// steer each call by its content, its model or its sequence number.
/// </summary>
/// <example>
/// <code>
/// await using var fake = await FakeModelServer.StartAsync();
/// fake.Script("a", r => r.Sequence == 1 ? FakeReply.Error(503) : FakeReply.Answer("ok"));
/// // AI:Providers:a:Type=openai, AI:Providers:a:BaseUrl=fake.OpenAIBaseUrl("a")
/// </code>
/// </example>
public sealed class FakeModelServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, Func<FakeRequest, FakeReply>> _scripts = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, int> _sequences = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentQueue<FakeRequest> _received = new();

    private FakeModelServer(WebApplication app) => _app = app;

    /// <summary>http://127.0.0.1:PORT</summary>
    public Uri BaseUri { get; private set; } = null!;

    /// <summary>The answer of upstreams without a script of their own: "A fake answer." with 10 + 5 tokens.</summary>
    public Func<FakeRequest, FakeReply> DefaultScript { get; set; } = _ => new FakeReply();

    /// <summary>Every request received so far, in order.</summary>
    public IReadOnlyList<FakeRequest> Received => _received.ToList();

    public IReadOnlyList<FakeRequest> ReceivedBy(string upstream) =>
        _received.Where(r => r.Upstream.Equals(upstream, StringComparison.OrdinalIgnoreCase)).ToList();

    public string OpenAIBaseUrl(string upstream) => $"{BaseUri}{upstream}/v1";

    public string AnthropicBaseUrl(string upstream) => $"{BaseUri}{upstream}";

    /// <summary>Sets how <paramref name="upstream"/> answers from now on.</summary>
    public void Script(string upstream, Func<FakeRequest, FakeReply> script) => _scripts[upstream] = script;

    public static async Task<FakeModelServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var server = new FakeModelServer(app);
        app.MapPost("/{upstream}/v1/chat/completions", (HttpContext http, string upstream) => server.HandleAsync(http, upstream, "openai"));
        app.MapPost("/{upstream}/v1/messages", (HttpContext http, string upstream) => server.HandleAsync(http, upstream, "anthropic"));
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.BaseUri = new Uri(address.TrimEnd('/') + "/");
        return server;
    }

    private async Task HandleAsync(HttpContext http, string upstream, string protocol)
    {
        var body = (await JsonNode.ParseAsync(http.Request.Body))!.AsObject();
        var request = Parse(upstream, protocol, body, http.Request.Headers, _sequences.AddOrUpdate(upstream, 1, (_, n) => n + 1));
        _received.Enqueue(request);
        var reply = (_scripts.TryGetValue(upstream, out var script) ? script : DefaultScript)(request);

        if (reply.Delay > TimeSpan.Zero)
        {
            try
            {
                await Task.Delay(reply.Delay, http.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }

        if (reply.Status != 200)
        {
            http.Response.StatusCode = reply.Status;
            if (reply.RetryAfter is { } ra) http.Response.Headers.RetryAfter = ((int)Math.Ceiling(ra.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
            await http.Response.WriteAsJsonAsync(protocol == "openai"
                ? new JsonObject { ["error"] = new JsonObject { ["message"] = $"fake {reply.Status}", ["type"] = "server_error", ["param"] = null, ["code"] = null } }
                : new JsonObject { ["type"] = "error", ["error"] = new JsonObject { ["type"] = reply.Status == 429 ? "rate_limit_error" : "api_error", ["message"] = $"fake {reply.Status}" } });
            return;
        }

        if (protocol == "openai")
        {
            if (request.Stream) await StreamOpenAIAsync(http, request, reply);
            else await http.Response.WriteAsJsonAsync(OpenAICompletion(request, reply));
        }
        else
        {
            if (request.Stream) await StreamAnthropicAsync(http, request, reply);
            else await http.Response.WriteAsJsonAsync(AnthropicMessage(request, reply));
        }
    }

    private static FakeRequest Parse(string upstream, string protocol, JsonObject body, IHeaderDictionary headers, int sequence)
    {
        static string TextOf(JsonNode? content) => content switch
        {
            JsonValue v => v.GetValue<string>(),
            JsonArray parts => string.Concat(parts.Select(p => p?["text"]?.GetValue<string>() ?? "")),
            _ => "",
        };

        var messages = (body["messages"] as JsonArray ?? [])
            .Select(m => new FakeMessage(m!["role"]!.GetValue<string>(), TextOf(m["content"])))
            .ToList();
        string? system = protocol == "anthropic" ? body["system"] is { } s ? TextOf(s) : null : null;
        var maxTokens = (body["max_completion_tokens"] ?? body["max_tokens"])?.GetValue<int>();
        return new FakeRequest(upstream, protocol, sequence, body["model"]?.GetValue<string>() ?? "", body["stream"]?.GetValue<bool>() ?? false,
            messages, system, maxTokens, body,
            headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString()));
    }

    private static JsonObject OpenAIUsage(FakeReply reply) => new()
    {
        ["prompt_tokens"] = reply.PromptTokens,
        ["completion_tokens"] = reply.CompletionTokens,
        ["total_tokens"] = reply.PromptTokens + reply.CompletionTokens,
        ["prompt_tokens_details"] = new JsonObject { ["cached_tokens"] = reply.CachedPromptTokens },
    };

    private static JsonObject OpenAICompletion(FakeRequest request, FakeReply reply) => new()
    {
        ["id"] = "chatcmpl-fake" + request.Sequence,
        ["object"] = "chat.completion",
        ["created"] = 1_700_000_000,
        ["model"] = request.Model,
        ["choices"] = new JsonArray(new JsonObject
        {
            ["index"] = 0,
            ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = reply.Text },
            ["finish_reason"] = reply.FinishReason,
        }),
        ["usage"] = OpenAIUsage(reply),
    };

    private static IEnumerable<string> Chunks(string text, int size)
    {
        for (var i = 0; i < text.Length; i += size) yield return text.Substring(i, Math.Min(size, text.Length - i));
    }

    private static async Task StreamOpenAIAsync(HttpContext http, FakeRequest request, FakeReply reply)
    {
        http.Response.ContentType = "text/event-stream";
        var id = "chatcmpl-fake" + request.Sequence;
        JsonObject Chunk(JsonObject delta, string? finish) => new()
        {
            ["id"] = id, ["object"] = "chat.completion.chunk", ["created"] = 1_700_000_000, ["model"] = request.Model,
            ["choices"] = new JsonArray(new JsonObject { ["index"] = 0, ["delta"] = delta, ["finish_reason"] = finish }),
        };

        var sent = 0;
        foreach (var piece in Chunks(reply.Text, Math.Max(1, reply.ChunkChars)))
        {
            if (reply.CutAfterChunks is { } cut && sent >= cut)
            {
                await CutAsync(http);
                return;
            }
            await WriteSseAsync(http, null, Chunk(new JsonObject { ["role"] = sent == 0 ? "assistant" : null, ["content"] = piece }, null));
            sent++;
            if (reply.ChunkDelay > TimeSpan.Zero) await Task.Delay(reply.ChunkDelay);
        }
        if (reply.CutAfterChunks is not null)
        {
            await CutAsync(http);
            return;
        }
        if (reply.EndWithoutFinish) return;

        await WriteSseAsync(http, null, Chunk(new JsonObject(), reply.FinishReason));
        if (request.Body["stream_options"]?["include_usage"]?.GetValue<bool>() == true)
        {
            await WriteSseAsync(http, null, new JsonObject
            {
                ["id"] = id, ["object"] = "chat.completion.chunk", ["created"] = 1_700_000_000, ["model"] = request.Model,
                ["choices"] = new JsonArray(), ["usage"] = OpenAIUsage(reply),
            });
        }
        await http.Response.WriteAsync("data: [DONE]\n\n");
    }

    private static JsonObject AnthropicUsage(FakeReply reply, bool outputOnly = false) => outputOnly
        ? new JsonObject { ["output_tokens"] = reply.CompletionTokens }
        : new JsonObject
        {
            ["input_tokens"] = reply.PromptTokens - reply.CachedPromptTokens,
            ["cache_creation_input_tokens"] = 0,
            ["cache_read_input_tokens"] = reply.CachedPromptTokens,
            ["output_tokens"] = reply.CompletionTokens,
        };

    private static string AnthropicStop(string finish) => finish switch { "length" => "max_tokens", _ => "end_turn" };

    private static JsonObject AnthropicMessage(FakeRequest request, FakeReply reply) => new()
    {
        ["id"] = "msg_fake" + request.Sequence,
        ["type"] = "message",
        ["role"] = "assistant",
        ["model"] = request.Model,
        ["content"] = new JsonArray(new JsonObject { ["type"] = "text", ["text"] = reply.Text }),
        ["stop_reason"] = AnthropicStop(reply.FinishReason),
        ["stop_sequence"] = null,
        ["usage"] = AnthropicUsage(reply),
    };

    private static async Task StreamAnthropicAsync(HttpContext http, FakeRequest request, FakeReply reply)
    {
        http.Response.ContentType = "text/event-stream";
        var start = AnthropicMessage(request, reply with { Text = "", CompletionTokens = 1 });
        start["content"] = new JsonArray();
        start["stop_reason"] = null;
        await WriteSseAsync(http, "message_start", new JsonObject { ["type"] = "message_start", ["message"] = start });
        await WriteSseAsync(http, "content_block_start", new JsonObject
        {
            ["type"] = "content_block_start", ["index"] = 0, ["content_block"] = new JsonObject { ["type"] = "text", ["text"] = "" },
        });

        var sent = 0;
        foreach (var piece in Chunks(reply.Text, Math.Max(1, reply.ChunkChars)))
        {
            if (reply.CutAfterChunks is { } cut && sent >= cut)
            {
                await CutAsync(http);
                return;
            }
            await WriteSseAsync(http, "content_block_delta", new JsonObject
            {
                ["type"] = "content_block_delta", ["index"] = 0, ["delta"] = new JsonObject { ["type"] = "text_delta", ["text"] = piece },
            });
            sent++;
            if (reply.ChunkDelay > TimeSpan.Zero) await Task.Delay(reply.ChunkDelay);
        }
        if (reply.CutAfterChunks is not null)
        {
            await CutAsync(http);
            return;
        }
        if (reply.EndWithoutFinish) return;

        await WriteSseAsync(http, "content_block_stop", new JsonObject { ["type"] = "content_block_stop", ["index"] = 0 });
        await WriteSseAsync(http, "message_delta", new JsonObject
        {
            ["type"] = "message_delta",
            ["delta"] = new JsonObject { ["stop_reason"] = AnthropicStop(reply.FinishReason), ["stop_sequence"] = null },
            ["usage"] = AnthropicUsage(reply, outputOnly: true),
        });
        await WriteSseAsync(http, "message_stop", new JsonObject { ["type"] = "message_stop" });
    }

    // What was sent gets time to reach the client before the connection is reset (a reset discards unread data).
    private static async Task CutAsync(HttpContext http)
    {
        await http.Response.Body.FlushAsync();
        await Task.Delay(200);
        http.Abort();
    }

    private static async Task WriteSseAsync(HttpContext http, string? eventName, JsonObject data)
    {
        var text = new StringBuilder();
        if (eventName is not null) text.Append("event: ").Append(eventName).Append('\n');
        text.Append("data: ").Append(data.ToJsonString()).Append("\n\n");
        await http.Response.WriteAsync(text.ToString());
        await http.Response.Body.FlushAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
