using System.ClientModel;
using System.ClientModel.Primitives;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MultiAgent.AiGateway.Providers;
using MultiAgent.AiGateway.Usage;
using OpenAI;
using OpenAI.Chat;
using AIChatMessage = Microsoft.Extensions.AI.ChatMessage;
using AIChatRole = Microsoft.Extensions.AI.ChatRole;

namespace MultiAgent.Tests.AiGateway;

/// <summary>Records usage rows in memory instead of Postgres.</summary>
public sealed class InMemoryUsageRecorder : IUsageRecorder
{
    public ConcurrentQueue<UsageRecord> Records { get; } = new();

    public Task RecordAsync(UsageRecord usage, CancellationToken cancellationToken = default)
    {
        Records.Enqueue(usage);
        return Task.CompletedTask;
    }
}

/// <summary>The gateway in-process (TestServer), simulated provider, usage recorded in memory.</summary>
public sealed class GatewayFactory : WebApplicationFactory<ModelProvider>
{
    /// <summary>The caller key configured by default (<c>AiGateway:ApiKeys:0</c>); clients from this factory send it.</summary>
    public const string ApiKey = "test-gateway-key-0123456789";

    public InMemoryUsageRecorder Usage { get; } = new();

    /// <summary>The key <see cref="GatewayFactory.CreateClient()"/> and <see cref="OpenAIChatClient"/> send; null sends none.</summary>
    public string? ClientKey { get; init; } = ApiKey;

    /// <summary>Configuration over the defaults (simulated provider, directives allowed).</summary>
    public Dictionary<string, string?> Settings { get; init; } = [];

    /// <summary>Extra service registrations, applied after the gateway's own.</summary>
    public Action<IServiceCollection>? ConfigureServices { get; init; }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        // Never contacted: usage goes to the in-memory recorder.
        builder.UseSetting("ConnectionStrings:multiagentdb", "Host=127.0.0.1;Port=9;Database=unused;Username=unused;Password=unused");
        builder.UseSetting("AI:Simulated:AllowDirectives", "true");
        builder.UseSetting("AiGateway:ApiKeys:0", ApiKey);
        foreach (var (key, value) in Settings)
        {
            builder.UseSetting(key, value);
        }
        builder.ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
        builder.ConfigureTestServices(services =>
        {
            services.RemoveAll<IUsageRecorder>();
            services.AddSingleton<IUsageRecorder>(Usage);
            ConfigureServices?.Invoke(services);
        });
    }

    /// <summary>Every client of this factory sends <see cref="ClientKey"/> as <c>Authorization: Bearer</c>, as OpenAI clients do.</summary>
    protected override void ConfigureClient(HttpClient client)
    {
        base.ConfigureClient(client);
        if (ClientKey is not null)
        {
            client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", ClientKey);
        }
    }

    /// <summary>The real OpenAI .NET client, pointed at the gateway's /v1 over the in-memory transport, sending <paramref name="key"/> (default <see cref="ClientKey"/>).</summary>
    public ChatClient OpenAIChatClient(string model, string? taskId = null, string? agentId = null, string? key = null)
    {
        var http = CreateClient();
        if (taskId is not null) http.DefaultRequestHeaders.Add("X-MultiAgent-Task-Id", taskId);
        if (agentId is not null) http.DefaultRequestHeaders.Add("X-MultiAgent-Agent-Id", agentId);
        return new ChatClient(model, new ApiKeyCredential(key ?? ClientKey ?? ApiKey), new OpenAIClientOptions
        {
            Endpoint = new Uri(http.BaseAddress!, "/v1"),
            Transport = new HttpClientPipelineTransport(http),
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
        });
    }
}

/// <summary>The gateway's wire protocol, exercised with the real OpenAI .NET client and raw HTTP.</summary>
public class GatewayHttpTests : IClassFixture<GatewayFactory>
{
    private readonly GatewayFactory _factory;

    public GatewayHttpTests(GatewayFactory factory) => _factory = factory;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public record Review(double Score, double Confidence, bool Approved, string Feedback);

    [Fact]
    public async Task OpenAI_client_completes_a_chat_and_usage_is_recorded_for_the_task_and_agent()
    {
        var taskId = "task_" + Guid.NewGuid().ToString("N")[..10];
        var client = _factory.OpenAIChatClient("gpt-4o", taskId, "agent_manager");

        ChatCompletion completion = await client.CompleteChatAsync(
            [new SystemChatMessage("You are a task analysis expert."), new UserChatMessage("Analyze this task: open a bakery in Porto.")],
            new ChatCompletionOptions { Temperature = 0.3f, MaxOutputTokenCount = 2000 }, Ct);

        Assert.StartsWith("(Simulated model)", completion.Content[0].Text);
        Assert.Equal("gpt-4o", completion.Model);
        Assert.StartsWith("chatcmpl-", completion.Id);
        Assert.Equal(OpenAI.Chat.ChatFinishReason.Stop, completion.FinishReason);
        Assert.True(completion.Usage.InputTokenCount > 0);

        var row = Assert.Single(_factory.Usage.Records, r => r.TaskId == taskId);
        Assert.Equal("agent_manager", row.AgentId);
        Assert.Equal("simulated", row.Provider);
        Assert.Equal("gpt-4o", row.Model);
        Assert.Equal(completion.Usage.InputTokenCount, row.PromptTokens);
        Assert.Equal(completion.Usage.OutputTokenCount, row.CompletionTokens);
        Assert.Equal(completion.Usage.TotalTokenCount, row.TotalTokens);
        Assert.Equal(0m, row.CostUsd);
    }

    [Fact]
    public async Task Each_call_is_one_span_with_usage_tags_and_no_prompt_or_answer_text()
    {
        var taskId = "task_" + Guid.NewGuid().ToString("N")[..10];
        var spans = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "MultiAgent.AiGateway",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                if ((activity.GetTagItem("multiagent.task_id") as string) == taskId) spans.Enqueue(activity);
            },
        };
        ActivitySource.AddActivityListener(listener);

        const string secretPrompt = "Zanzibar-confidential-prompt";
        ChatCompletion completion = await _factory.OpenAIChatClient("gpt-4o", taskId, "agent_analyst")
            .CompleteChatAsync([new UserChatMessage(secretPrompt)], cancellationToken: Ct);

        var span = Assert.Single(spans);
        Assert.Equal("simulated", span.GetTagItem("gen_ai.system"));
        Assert.Equal("gpt-4o", span.GetTagItem("gen_ai.request.model"));
        Assert.Equal("agent_analyst", span.GetTagItem("multiagent.agent_id"));
        Assert.Equal(completion.Usage.InputTokenCount, span.GetTagItem("gen_ai.usage.input_tokens"));
        Assert.Equal(completion.Usage.OutputTokenCount, span.GetTagItem("gen_ai.usage.output_tokens"));
        var answerStart = completion.Content[0].Text[..40];
        Assert.All(span.TagObjects, tag =>
        {
            var value = tag.Value?.ToString() ?? "";
            Assert.DoesNotContain("Zanzibar", value);
            Assert.DoesNotContain(answerStart, value);
        });
    }

    [Fact]
    public async Task OpenAI_client_streams_and_gets_the_final_usage_chunk()
    {
        var taskId = "task_" + Guid.NewGuid().ToString("N")[..10];
        var client = _factory.OpenAIChatClient("gpt-4o-mini", taskId);

        var text = new StringBuilder();
        ChatTokenUsage? usage = null;
        OpenAI.Chat.ChatFinishReason? finish = null;
        await foreach (var update in client.CompleteChatStreamingAsync([new UserChatMessage("Write about tidal energy in Brittany.")], cancellationToken: Ct))
        {
            foreach (var part in update.ContentUpdate) text.Append(part.Text);
            usage ??= update.Usage;
            finish ??= update.FinishReason;
        }

        Assert.StartsWith("(Simulated model)", text.ToString());
        Assert.Equal(OpenAI.Chat.ChatFinishReason.Stop, finish);
        Assert.NotNull(usage);
        Assert.Equal((text.Length + 3) / 4, usage.OutputTokenCount);

        var row = Assert.Single(_factory.Usage.Records, r => r.TaskId == taskId);
        Assert.Equal(usage.InputTokenCount, row.PromptTokens);
        Assert.Equal(usage.OutputTokenCount, row.CompletionTokens);
        Assert.Null(row.AgentId);
    }

    [Fact]
    public async Task Structured_output_through_the_MEAI_client_deserializes_into_the_record()
    {
        IChatClient chat = _factory.OpenAIChatClient("claude-3-5-sonnet").AsIChatClient();

        var response = await chat.GetResponseAsync<Review>(
            [new AIChatMessage(AIChatRole.User, "Review this plan for a solar farm in Andalusia.")], cancellationToken: Ct);

        Assert.InRange(response.Result.Score, 0.7 * 10, 10); // unbounded number → upper part of 0-10
        Assert.InRange(response.Result.Confidence, 0.70, 0.95);
        Assert.True(response.Result.Approved);
        Assert.False(string.IsNullOrWhiteSpace(response.Result.Feedback));
        Assert.True(response.Usage!.TotalTokenCount > 0);
    }

    [Fact]
    public async Task Streaming_through_the_MEAI_client_reports_usage()
    {
        IChatClient chat = _factory.OpenAIChatClient("gpt-4o").AsIChatClient();
        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in chat.GetStreamingResponseAsync([new AIChatMessage(AIChatRole.User, "List risks of a bridge retrofit.")], new ChatOptions { ResponseFormat = Microsoft.Extensions.AI.ChatResponseFormat.Json }, Ct))
        {
            updates.Add(update);
        }

        var response = updates.ToChatResponse();
        using var doc = JsonDocument.Parse(response.Text);
        Assert.True(response.Usage!.OutputTokenCount > 0);
    }

    [Fact]
    public async Task Invalid_request_is_a_400_in_OpenAI_error_shape_naming_the_field()
    {
        var http = _factory.CreateClient();
        var response = await http.PostAsync("/v1/chat/completions",
            new StringContent("""{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}],"temperature":7}""", Encoding.UTF8, "application/json"), Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        var error = doc.RootElement.GetProperty("error");
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.Equal("temperature", error.GetProperty("param").GetString());
        Assert.Contains("temperature", error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Body_that_is_not_json_is_a_400()
    {
        var response = await _factory.CreateClient().PostAsync("/v1/chat/completions", new StringContent("{not json", Encoding.UTF8, "application/json"), Ct);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("not valid JSON", await response.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task Raw_stream_is_server_sent_events_ending_with_done()
    {
        var http = _factory.CreateClient();
        var response = await http.PostAsync("/v1/chat/completions", new StringContent(
            """{"model":"gpt-4o","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"hello there"}]}""",
            Encoding.UTF8, "application/json"), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType!.MediaType);
        var events = (await response.Content.ReadAsStringAsync(Ct))
            .Split("\n\n", StringSplitOptions.RemoveEmptyEntries)
            .Select(e => e.Trim())
            .ToList();

        Assert.All(events, e => Assert.StartsWith("data: ", e));
        Assert.Equal("data: [DONE]", events[^1]);
        using var usageChunk = JsonDocument.Parse(events[^2]["data: ".Length..]);
        Assert.Equal(0, usageChunk.RootElement.GetProperty("choices").GetArrayLength());
        Assert.True(usageChunk.RootElement.GetProperty("usage").GetProperty("total_tokens").GetInt32() > 0);
        using var finishChunk = JsonDocument.Parse(events[^3]["data: ".Length..]);
        Assert.Equal("stop", finishChunk.RootElement.GetProperty("choices")[0].GetProperty("finish_reason").GetString());
        using var firstChunk = JsonDocument.Parse(events[0]["data: ".Length..]);
        Assert.Equal("chat.completion.chunk", firstChunk.RootElement.GetProperty("object").GetString());
        Assert.Equal("assistant", firstChunk.RootElement.GetProperty("choices")[0].GetProperty("delta").GetProperty("role").GetString());
    }

    [Fact]
    public async Task Stream_without_include_usage_has_no_usage_chunk_but_still_records_usage()
    {
        var taskId = "task_" + Guid.NewGuid().ToString("N")[..10];
        var http = _factory.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = new StringContent("""{"model":"gpt-4o","stream":true,"messages":[{"role":"user","content":"hello"}]}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("X-MultiAgent-Task-Id", taskId);
        var body = await (await http.SendAsync(request, Ct)).Content.ReadAsStringAsync(Ct);

        Assert.DoesNotContain("\"usage\"", body);
        Assert.Single(_factory.Usage.Records, r => r.TaskId == taskId);
    }

    [Fact]
    public async Task Models_are_listed_in_OpenAI_shape()
    {
        var models = await _factory.CreateClient().GetFromJsonAsync<JsonElement>("/v1/models", Ct);
        Assert.Equal("list", models.GetProperty("object").GetString());
        var ids = models.GetProperty("data").EnumerateArray().Select(m => m.GetProperty("id").GetString()).ToList();
        Assert.Contains("gpt-4o", ids);
        Assert.Contains("claude-3-opus", ids);
        Assert.All(models.GetProperty("data").EnumerateArray(), m => Assert.Equal("model", m.GetProperty("object").GetString()));
    }

    [Fact]
    public async Task Schema_directive_failures_reach_the_caller_unchanged()
    {
        var client = _factory.OpenAIChatClient("gpt-4o");
        ChatCompletion completion = await client.CompleteChatAsync(
            [new UserChatMessage("Review [[sim:fail=malformed]]")],
            new ChatCompletionOptions { ResponseFormat = OpenAI.Chat.ChatResponseFormat.CreateJsonObjectFormat() }, Ct);
        Assert.ThrowsAny<JsonException>(() => JsonDocument.Parse(completion.Content[0].Text));
    }
}

/// <summary>Upstream failures as callers see them.</summary>
public class GatewayFailureTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Rate_limit_is_passed_through_as_429_with_retry_after()
    {
        await using var factory = new GatewayFactory
        {
            Settings = new()
            {
                ["AI:Simulated:FailureRate"] = "1",
                ["AI:Simulated:FailureStatusCode"] = "429",
                ["AI:Simulated:RetryAfterSeconds"] = "7",
            },
        };

        var ex = await Assert.ThrowsAsync<ClientResultException>(() =>
            factory.OpenAIChatClient("gpt-4o").CompleteChatAsync([new UserChatMessage("hi")], cancellationToken: Ct));

        Assert.Equal(429, ex.Status);
        Assert.True(ex.GetRawResponse()!.Headers.TryGetValue("Retry-After", out var retryAfter));
        Assert.Equal("7", retryAfter);
        using var doc = JsonDocument.Parse(ex.GetRawResponse()!.Content.ToString());
        Assert.Equal("rate_limit_exceeded", doc.RootElement.GetProperty("error").GetProperty("code").GetString());
        Assert.Empty(factory.Usage.Records);
    }

    [Fact]
    public async Task Unavailable_is_passed_through_as_503_also_when_streaming()
    {
        await using var factory = new GatewayFactory { Settings = new() { ["AI:Simulated:FailureRate"] = "1" } };

        var ex = await Assert.ThrowsAsync<ClientResultException>(async () =>
        {
            await foreach (var _ in factory.OpenAIChatClient("gpt-4o").CompleteChatStreamingAsync([new UserChatMessage("hi")], cancellationToken: Ct)) { }
        });
        Assert.Equal(503, ex.Status);
    }

    [Fact]
    public async Task Other_upstream_failures_are_502()
    {
        await using var factory = new GatewayFactory { Settings = new() { ["AI:Simulated:FailureRate"] = "1", ["AI:Simulated:FailureStatusCode"] = "500" } };
        var response = await factory.CreateClient().PostAsync("/v1/chat/completions",
            new StringContent("""{"model":"m","messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json"), Ct);
        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Contains("upstream_error", await response.Content.ReadAsStringAsync(Ct));
    }

    // Startup validation runs without starting a server: what the gateway registers, validated as the host does on start.
    internal static OptionsValidationException StartupFailure(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:multiagentdb"] = "Host=127.0.0.1;Port=9;Database=unused;Username=unused;Password=unused",
            ["ConnectionStrings:redis"] = "127.0.0.1:9",
            ["AiGateway:ApiKeys:0"] = "test-key",
        });
        builder.Configuration.AddInMemoryCollection(settings);
        MultiAgent.AiGateway.Extensions.Extensions.AddApplicationServices(builder);
        using var host = builder.Build();
        return Assert.Throws<OptionsValidationException>(() => host.Services.GetRequiredService<IStartupValidator>().Validate());
    }

    [Fact]
    public void Openai_provider_without_base_url_or_model_fails_startup_with_an_actionable_message()
    {
        var message = StartupFailure(new() { ["AI:Provider"] = "openai" }).Message;
        Assert.Contains("AI__BaseUrl", message);
        Assert.Contains("AI__Model", message);
    }

    [Fact]
    public void Unknown_provider_fails_startup_listing_the_valid_names()
    {
        var message = StartupFailure(new() { ["AI:Provider"] = "skynet" }).Message;
        Assert.Contains("skynet", message);
        Assert.Contains("Valid values: simulated, openai", message);
    }

    [Fact]
    public async Task Openai_provider_with_configuration_starts_and_is_reported_by_models()
    {
        await using var factory = new GatewayFactory
        {
            Settings = new()
            {
                ["AI:Provider"] = "openai",
                ["AI:BaseUrl"] = "http://127.0.0.1:9/v1",
                ["AI:Model"] = "llama3.1",
            },
        };
        var models = await factory.CreateClient().GetFromJsonAsync<JsonElement>("/v1/models", Ct);
        Assert.Contains(models.GetProperty("data").EnumerateArray(), m => m.GetProperty("id").GetString() == "llama3.1" && m.GetProperty("owned_by").GetString() == "openai");
    }
}

/// <summary>
/// The openai provider, end to end without a network: a gateway configured with AI:Provider=openai whose upstream is
/// a second, simulated gateway (in-process). Exercises the real OpenAI client inside the gateway, usage from the
/// upstream's report (streaming: the final usage chunk), cost from the price table, and 429 pass-through.
/// </summary>
public class OpenAIProviderChainTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static GatewayFactory Chained(GatewayFactory upstream, string model = "gpt-4o-mini") => new()
    {
        Settings = new()
        {
            ["AI:Provider"] = "openai",
            ["AI:BaseUrl"] = "http://upstream/v1",
            ["AI:Model"] = model,
            // The upstream is another gateway: this gateway's AI:ApiKey is the upstream's caller key.
            ["AI:ApiKey"] = GatewayFactory.ApiKey,
        },
        ConfigureServices = services => services.AddHttpClient(ModelProvider.UpstreamHttpClientName)
            .ConfigurePrimaryHttpMessageHandler(() => upstream.Server.CreateHandler()),
    };

    [Fact]
    public async Task Requested_model_is_overridden_and_usage_is_billed_from_the_upstream_report()
    {
        await using var upstream = new GatewayFactory();
        await using var gateway = Chained(upstream);

        ChatCompletion completion = await gateway.OpenAIChatClient("gpt-4o", "task_chain1", "agent_developer")
            .CompleteChatAsync([new UserChatMessage("Design a caching layer for a product catalogue.")], cancellationToken: Ct);

        Assert.StartsWith("(Simulated model)", completion.Content[0].Text);
        Assert.Equal("gpt-4o-mini", completion.Model); // AI:Model overrides the requested gpt-4o

        var upstreamRow = Assert.Single(upstream.Usage.Records);
        Assert.Equal("gpt-4o-mini", upstreamRow.Model);

        var row = Assert.Single(gateway.Usage.Records);
        Assert.Equal("openai", row.Provider);
        Assert.Equal("gpt-4o-mini", row.Model);
        Assert.Equal("task_chain1", row.TaskId);
        Assert.Equal("agent_developer", row.AgentId);
        Assert.Equal(upstreamRow.PromptTokens, row.PromptTokens);
        Assert.Equal(upstreamRow.CompletionTokens, row.CompletionTokens);
        Assert.Equal(new PriceTable(overrides: null).Cost("gpt-4o-mini", row.PromptTokens, row.CompletionTokens), row.CostUsd);
        Assert.True(row.CostUsd > 0);
    }

    [Fact]
    public async Task Streamed_calls_are_billed_from_the_final_usage_chunk()
    {
        await using var upstream = new GatewayFactory();
        await using var gateway = Chained(upstream);

        var text = new StringBuilder();
        ChatTokenUsage? usage = null;
        await foreach (var update in gateway.OpenAIChatClient("gpt-4o").CompleteChatStreamingAsync(
            [new UserChatMessage("Explain vector clocks.")], new ChatCompletionOptions { ResponseFormat = OpenAI.Chat.ChatResponseFormat.CreateJsonObjectFormat() }, Ct))
        {
            foreach (var part in update.ContentUpdate) text.Append(part.Text);
            usage ??= update.Usage;
        }

        using var doc = JsonDocument.Parse(text.ToString());
        var upstreamRow = Assert.Single(upstream.Usage.Records);
        var row = Assert.Single(gateway.Usage.Records);
        Assert.Equal(upstreamRow.CompletionTokens, row.CompletionTokens);
        Assert.Equal(usage!.OutputTokenCount, row.CompletionTokens);
        Assert.True(row.CostUsd > 0);
    }

    [Fact]
    public async Task Upstream_rate_limit_is_passed_through_with_retry_after()
    {
        await using var upstream = new GatewayFactory
        {
            Settings = new()
            {
                ["AI:Simulated:FailureRate"] = "1",
                ["AI:Simulated:FailureStatusCode"] = "429",
                ["AI:Simulated:RetryAfterSeconds"] = "4",
            },
        };
        await using var gateway = Chained(upstream);

        var ex = await Assert.ThrowsAsync<ClientResultException>(() =>
            gateway.OpenAIChatClient("gpt-4o").CompleteChatAsync([new UserChatMessage("hi")], cancellationToken: Ct));

        Assert.Equal(429, ex.Status);
        Assert.True(ex.GetRawResponse()!.Headers.TryGetValue("Retry-After", out var retryAfter));
        Assert.Equal("4", retryAfter);
        Assert.DoesNotContain(GatewayFactory.ApiKey, ex.GetRawResponse()!.Content.ToString());
        Assert.Empty(gateway.Usage.Records);
    }

    [Fact]
    public async Task Unreachable_upstream_is_a_502()
    {
        await using var gateway = new GatewayFactory
        {
            Settings = new()
            {
                ["AI:Provider"] = "openai",
                ["AI:BaseUrl"] = "http://127.0.0.1:9/v1",
                ["AI:Model"] = "llama3.1",
            },
        };
        var response = await gateway.CreateClient().PostAsync("/v1/chat/completions",
            new StringContent("""{"model":"m","messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json"), Ct);
        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
    }
}
