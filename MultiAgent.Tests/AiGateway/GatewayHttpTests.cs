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
using MultiAgent.AiGateway.Ledger;
using MultiAgent.Tests.Support;
using OpenAI;
using OpenAI.Chat;
using AIChatMessage = Microsoft.Extensions.AI.ChatMessage;
using AIChatRole = Microsoft.Extensions.AI.ChatRole;

namespace MultiAgent.Tests.AiGateway;

/// <summary>The gateway's wire protocol, exercised with the real OpenAI .NET client and raw HTTP.</summary>
[Collection(GatewayInfrastructureCollection.Name)]
[Trait("Category", "AppHost")]
public sealed class GatewayHttpTests(GatewayInfrastructureFixture infrastructure) : IAsyncDisposable
{
    private readonly GatewayFactory _factory = new(infrastructure);

    public ValueTask DisposeAsync() => _factory.DisposeAsync();

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

        var row = Assert.Single(await _factory.LedgerAsync(taskId));
        Assert.Equal("agent_manager", row.AgentId);
        Assert.Equal("simulated", row.Provider);
        Assert.Equal("gpt-4o", row.Model);
        Assert.Equal("default", row.Route);
        Assert.Equal("ok", row.Outcome);
        Assert.Equal(completion.Id, row.CallId);
        Assert.Equal(completion.Usage.InputTokenCount, row.InputTokens);
        Assert.Equal(completion.Usage.OutputTokenCount, row.OutputTokens);
        Assert.Equal(0m, row.CostUsd);
        Assert.False(row.CacheHit);
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
                if ((activity.GetTagItem("multiagent.task_id") as string) == taskId
                    || (activity.Parent?.GetTagItem("multiagent.task_id") as string) == taskId) spans.Enqueue(activity);
            },
        };
        ActivitySource.AddActivityListener(listener);

        const string secretPrompt = "Zanzibar-confidential-prompt";
        ChatCompletion completion = await _factory.OpenAIChatClient("gpt-4o", taskId, "agent_analyst")
            .CompleteChatAsync([new UserChatMessage(secretPrompt)], cancellationToken: Ct);

        var span = Assert.Single(spans, s => s.GetTagItem("multiagent.task_id") is not null);
        Assert.Equal("chat", span.GetTagItem("gen_ai.operation.name"));
        Assert.Equal("simulated", span.GetTagItem("gen_ai.provider.name"));
        Assert.Equal("gpt-4o", span.GetTagItem("gen_ai.request.model"));
        Assert.Equal("gpt-4o", span.GetTagItem("gen_ai.response.model"));
        Assert.Equal("agent_analyst", span.GetTagItem("multiagent.agent_id"));
        Assert.Equal("default", span.GetTagItem("multiagent.route"));
        Assert.Equal(false, span.GetTagItem("multiagent.cache_hit"));
        Assert.Equal(false, span.GetTagItem("multiagent.fallback"));
        Assert.Equal(new[] { "stop" }, span.GetTagItem("gen_ai.response.finish_reasons"));
        Assert.Equal(completion.Usage.InputTokenCount, span.GetTagItem("gen_ai.usage.input_tokens"));
        Assert.Equal(completion.Usage.OutputTokenCount, span.GetTagItem("gen_ai.usage.output_tokens"));
        var attempt = Assert.Single(spans, s => s.GetTagItem("multiagent.attempt") is not null);
        Assert.Equal(ActivityKind.Client, attempt.Kind);
        Assert.Equal("simulated", attempt.GetTagItem("gen_ai.provider.name"));
        var answerStart = completion.Content[0].Text[..40];
        Assert.All(spans.SelectMany(s => s.TagObjects), tag =>
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

        var row = Assert.Single(await _factory.LedgerAsync(taskId));
        Assert.Equal(usage.InputTokenCount, row.InputTokens);
        Assert.Equal(usage.OutputTokenCount, row.OutputTokens);
        Assert.True(row.Stream);
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
        Assert.True(Assert.Single(await _factory.LedgerAsync(taskId)).OutputTokens > 0);
    }

    [Fact]
    public async Task Models_are_listed_in_OpenAI_shape()
    {
        var models = await _factory.CreateClient().GetFromJsonAsync<JsonElement>("/v1/models", Ct);
        Assert.Equal("list", models.GetProperty("object").GetString());
        var ids = models.GetProperty("data").EnumerateArray().Select(m => m.GetProperty("id").GetString()).ToList();
        Assert.Contains("default", ids);
        var defaultRoute = models.GetProperty("data").EnumerateArray().Single(m => m.GetProperty("id").GetString() == "default");
        Assert.Equal("simulated/*", Assert.Single(defaultRoute.GetProperty("targets").EnumerateArray()).GetString());
        Assert.All(models.GetProperty("data").EnumerateArray(), m => Assert.Equal("model", m.GetProperty("object").GetString()));
    }
}

/// <summary>Upstream failures as callers see them.</summary>
[Collection(GatewayInfrastructureCollection.Name)]
[Trait("Category", "AppHost")]
public class GatewayFailureTests(GatewayInfrastructureFixture infrastructure)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Rate_limit_is_passed_through_as_429_with_retry_after()
    {
        await using var factory = new GatewayFactory(infrastructure)
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
        Assert.True(ex.GetRawResponse()!.Headers.TryGetValue("x-should-retry", out var shouldRetry));
        Assert.Equal("true", shouldRetry);
    }

    [Fact]
    public async Task Unavailable_is_passed_through_as_503_also_when_streaming()
    {
        await using var factory = new GatewayFactory(infrastructure) { Settings = new() { ["AI:Simulated:FailureRate"] = "1" } };

        var ex = await Assert.ThrowsAsync<ClientResultException>(async () =>
        {
            await foreach (var _ in factory.OpenAIChatClient("gpt-4o").CompleteChatStreamingAsync([new UserChatMessage("hi")], cancellationToken: Ct)) { }
        });
        Assert.Equal(503, ex.Status);
    }

    [Fact]
    public async Task Other_upstream_failures_are_502()
    {
        await using var factory = new GatewayFactory(infrastructure) { Settings = new() { ["AI:Simulated:FailureRate"] = "1", ["AI:Simulated:FailureStatusCode"] = "500" } };
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
            ["ConnectionStrings:aigatewaydb"] = "Host=127.0.0.1;Port=9;Database=unused;Username=unused;Password=unused",
            ["ConnectionStrings:redis"] = "127.0.0.1:9,abortConnect=false",
            ["AiGateway:ApiKeys:0"] = "test-key",
        });
        builder.Configuration.AddInMemoryCollection(settings);
        MultiAgent.AiGateway.Extensions.Extensions.AddApplicationServices(builder);
        using var host = builder.Build();
        return Assert.Throws<OptionsValidationException>(() => host.Services.GetRequiredService<IStartupValidator>().Validate());
    }

    [Fact]
    public void Openai_provider_without_base_url_fails_startup_with_an_actionable_message()
    {
        var message = StartupFailure(new() { ["AI:Providers:openai:Type"] = "openai" }).Message;
        Assert.Contains("AI__Providers__openai__BaseUrl", message);
    }

    [Fact]
    public void Unknown_provider_type_fails_startup_listing_the_valid_names()
    {
        var message = StartupFailure(new() { ["AI:Providers:sky:Type"] = "skynet" }).Message;
        Assert.Contains("skynet", message);
        Assert.Contains("Valid values: simulated, openai, anthropic", message);
    }

    [Fact]
    public void The_replaced_single_provider_settings_fail_startup_pointing_at_the_new_ones()
    {
        var message = StartupFailure(new() { ["AI:Provider"] = "openai", ["AI:Model"] = "gpt-4o" }).Message;
        Assert.Contains("AI:Providers:<name>", message);
        Assert.Contains("AI:Routes:<route>", message);
    }

    [Fact]
    public void A_route_naming_an_unknown_provider_fails_startup_listing_the_configured_ones()
    {
        var message = StartupFailure(new() { ["AI:Routes:manager:0"] = "opneai/gpt-4o" }).Message;
        Assert.Contains("'opneai'", message);
        Assert.Contains("Configured providers: simulated", message);
    }

    [Fact]
    public async Task Configured_routes_and_their_models_are_listed()
    {
        await using var factory = new GatewayFactory(infrastructure)
        {
            Settings = new()
            {
                ["AI:Providers:local:Type"] = "openai",
                ["AI:Providers:local:BaseUrl"] = "http://127.0.0.1:9/v1",
                ["AI:Routes:manager:0"] = "local/llama3.1",
                ["AI:Routes:manager:1"] = "simulated",
            },
        };
        var models = await factory.CreateClient().GetFromJsonAsync<JsonElement>("/v1/models", Ct);
        var data = models.GetProperty("data").EnumerateArray().ToList();
        var manager = data.Single(m => m.GetProperty("id").GetString() == "manager");
        Assert.Equal("multiagent-route", manager.GetProperty("owned_by").GetString());
        Assert.Equal(["local/llama3.1", "simulated/*"], manager.GetProperty("targets").EnumerateArray().Select(t => t.GetString()));
        Assert.Contains(data, m => m.GetProperty("id").GetString() == "local/llama3.1" && m.GetProperty("owned_by").GetString() == "local");
    }
}
