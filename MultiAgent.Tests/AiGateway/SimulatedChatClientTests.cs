using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.AI;
using MultiAgent.AiGateway.Providers;
using MultiAgent.AiGateway.Simulated;
using static MultiAgent.Tests.AiGateway.SimulatedModelHarness;

namespace MultiAgent.Tests.AiGateway;

/// <summary>The simulated model as an <see cref="IChatClient"/>: determinism, formats, usage, streaming, knobs and directives.</summary>
public class SimulatedChatClientTests
{
    private static readonly JsonElement ReviewSchema = Schema("""
        {"type":"object","properties":{
          "score":{"type":"number","minimum":0,"maximum":10},
          "confidence":{"type":"number","minimum":0,"maximum":1},
          "approved":{"type":"boolean"},
          "feedback":{"type":"string"}},
         "required":["score","confidence","approved","feedback"],"additionalProperties":false}
        """);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    // ---- determinism ----

    [Fact]
    public async Task Same_request_gives_the_same_answer_from_separate_clients()
    {
        var a = await AskJsonAsync(ReviewSchema, Prompts[0], temperature: 0.3f, seed: 7);
        var b = await AskJsonAsync(ReviewSchema, Prompts[0], temperature: 0.3f, seed: 7);
        Assert.Equal(a, b);

        var textA = (await Client().GetResponseAsync(Messages(Prompts[1]), new ChatOptions { ModelId = "gpt-4o" }, Ct)).Text;
        var textB = (await Client().GetResponseAsync(Messages(Prompts[1]), new ChatOptions { ModelId = "gpt-4o" }, Ct)).Text;
        Assert.Equal(textA, textB);
    }

    [Fact]
    public async Task Anything_that_changes_the_request_changes_the_answer()
    {
        var baseline = await AskJsonAsync(ReviewSchema, Prompts[0]);
        Assert.NotEqual(baseline, await AskJsonAsync(ReviewSchema, Prompts[1]));
        Assert.NotEqual(baseline, await AskJsonAsync(ReviewSchema, Prompts[0], seed: 1));
        Assert.NotEqual(baseline, await AskJsonAsync(ReviewSchema, Prompts[0], temperature: 0.7f));
        Assert.NotEqual(baseline, await AskJsonAsync(ReviewSchema, Prompts[0], model: "claude-3-opus"));
    }

    [Fact]
    public void Request_fingerprint_is_stable_across_processes()
    {
        // SHA-256 of canonical JSON: a fixed request always has this fingerprint (string.GetHashCode would not).
        var options = new ChatOptions { ModelId = "gpt-4o", Temperature = 0.5f, Seed = 42, ResponseFormat = ChatResponseFormat.ForJsonSchema(ReviewSchema, "review") };
        var hex = Convert.ToHexStringLower(RequestFingerprint.Compute(Messages("Review the plan."), options));
        Assert.Equal("a5ecd38fb5a19445880fb706da3c44dcb762be593bc25e2e1a1fcca00625c777", hex);

        // Key order inside the schema does not matter.
        var reordered = Schema("""
            {"additionalProperties":false,"required":["score","confidence","approved","feedback"],"type":"object","properties":{
              "confidence":{"maximum":1,"minimum":0,"type":"number"},"score":{"type":"number","maximum":10,"minimum":0},
              "approved":{"type":"boolean"},"feedback":{"type":"string"}}}
            """);
        var reorderedOptions = new ChatOptions { ModelId = "gpt-4o", Temperature = 0.5f, Seed = 42, ResponseFormat = ChatResponseFormat.ForJsonSchema(reordered, "review") };
        Assert.Equal(hex, Convert.ToHexStringLower(RequestFingerprint.Compute(Messages("Review the plan."), reorderedOptions)));
    }

    // ---- generation policy ----

    [Fact]
    public async Task Review_like_answers_look_competent()
    {
        foreach (var prompt in Prompts)
        {
            using var doc = JsonDocument.Parse(await AskJsonAsync(ReviewSchema, prompt));
            Assert.InRange(doc.RootElement.GetProperty("score").GetDouble(), 7.0, 9.5);
            Assert.InRange(doc.RootElement.GetProperty("confidence").GetDouble(), 0.70, 0.95);
            Assert.True(doc.RootElement.GetProperty("approved").GetBoolean());
        }
    }

    [Fact]
    public async Task Text_answers_say_they_are_simulated_and_use_the_prompt()
    {
        var response = await Client().GetResponseAsync(Messages("Compare heat pumps and gas boilers for Norwegian homes"), new ChatOptions { ModelId = "gpt-4o" }, Ct);

        Assert.StartsWith("(Simulated model)", response.Text);
        Assert.Contains("\n\n", response.Text);
        Assert.Contains("heat pumps", response.Text, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(ChatFinishReason.Stop, response.FinishReason);
        Assert.Equal("gpt-4o", response.ModelId);
    }

    [Fact]
    public async Task Json_object_without_schema_is_a_small_json_object()
    {
        var response = await Client().GetResponseAsync(Messages(Prompts[2]), new ChatOptions { ResponseFormat = ChatResponseFormat.Json }, Ct);
        using var doc = JsonDocument.Parse(response.Text);
        Assert.Equal(JsonValueKind.Object, doc.RootElement.ValueKind);
        Assert.True(doc.RootElement.GetProperty("simulated").GetBoolean());
    }

    [Fact]
    public async Task Max_tokens_truncates_text_with_finish_reason_length()
    {
        var response = await Client().GetResponseAsync(Messages(Prompts[0]), new ChatOptions { MaxOutputTokens = 10 }, Ct);
        Assert.Equal(ChatFinishReason.Length, response.FinishReason);
        Assert.True(response.Text.Length <= 40);
    }

    // ---- usage ----

    [Fact]
    public async Task Usage_is_characters_over_four()
    {
        var messages = Messages(Prompts[0]);
        var response = await Client().GetResponseAsync(messages, JsonSchemaOptions(ReviewSchema), Ct);

        var promptChars = messages.Sum(m => m.Text.Length);
        Assert.Equal((promptChars + 3) / 4, response.Usage!.InputTokenCount);
        Assert.Equal((response.Text.Length + 3) / 4, response.Usage.OutputTokenCount);
        Assert.Equal(response.Usage.InputTokenCount + response.Usage.OutputTokenCount, response.Usage.TotalTokenCount);
        Assert.True(response.Usage.OutputTokenCount > 0);
    }

    [Fact]
    public async Task Tiny_prompts_still_count_at_least_one_token()
    {
        var response = await Client().GetResponseAsync([new ChatMessage(ChatRole.User, "")], new ChatOptions(), Ct);
        Assert.Equal(1, response.Usage!.InputTokenCount);
        Assert.True(response.Usage.OutputTokenCount > 0);
    }

    [Fact]
    public async Task Streaming_gives_the_same_text_in_chunks_then_finish_and_usage()
    {
        var client = new SimulatedChatClient(new SimulatedModelOptions { StreamChunkChars = 10 });
        var options = JsonSchemaOptions(ReviewSchema);
        var whole = await client.GetResponseAsync(Messages(Prompts[3]), options, Ct);

        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in client.GetStreamingResponseAsync(Messages(Prompts[3]), options, Ct))
        {
            updates.Add(update);
        }

        Assert.Equal(whole.Text, string.Concat(updates.Select(u => u.Text)));
        Assert.All(updates.Where(u => u.Text.Length > 0), u => Assert.True(u.Text.Length <= 10));
        var last = updates[^1];
        Assert.Equal(ChatFinishReason.Stop, last.FinishReason);
        var usage = Assert.Single(last.Contents.OfType<UsageContent>()).Details;
        Assert.Equal(whole.Usage!.TotalTokenCount, usage.TotalTokenCount);

        var merged = updates.ToChatResponse();
        Assert.Equal(whole.Text, merged.Text);
        Assert.Equal(whole.Usage.OutputTokenCount, merged.Usage!.OutputTokenCount);
    }

    // ---- knobs ----

    [Fact]
    public async Task Failure_rate_one_fails_every_call_with_the_configured_status()
    {
        var client = new SimulatedChatClient(new SimulatedModelOptions { FailureRate = 1, FailureStatusCode = 429, RetryAfterSeconds = 3 });

        var ex = await Assert.ThrowsAsync<ProviderException>(() => client.GetResponseAsync(Messages("hi"), null, Ct));
        Assert.Equal(429, ex.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(3), ex.RetryAfter);

        var streamEx = await Assert.ThrowsAsync<ProviderException>(async () =>
        {
            await foreach (var _ in client.GetStreamingResponseAsync(Messages("hi"), null, Ct)) { }
        });
        Assert.Equal(429, streamEx.StatusCode);
    }

    [Fact]
    public async Task Injected_503_has_no_retry_after()
    {
        var client = new SimulatedChatClient(new SimulatedModelOptions { FailureRate = 1 });
        var ex = await Assert.ThrowsAsync<ProviderException>(() => client.GetResponseAsync(Messages("hi"), null, Ct));
        Assert.Equal(503, ex.StatusCode);
        Assert.Null(ex.RetryAfter);
    }

    [Fact]
    public async Task Latency_is_added_and_honours_cancellation()
    {
        var client = new SimulatedChatClient(new SimulatedModelOptions { LatencyMs = 200 });
        var sw = Stopwatch.StartNew();
        await client.GetResponseAsync(Messages("hi"), null, Ct);
        Assert.True(sw.ElapsedMilliseconds >= 180, $"{sw.ElapsedMilliseconds} ms");

        var slow = new SimulatedChatClient(new SimulatedModelOptions { LatencyMs = 60_000 });
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        cts.CancelAfter(100);
        sw.Restart();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => slow.GetResponseAsync(Messages("hi"), null, cts.Token));
        Assert.True(sw.ElapsedMilliseconds < 10_000);
    }

    [Fact]
    public void Reports_its_metadata()
    {
        var metadata = Client().GetService<ChatClientMetadata>();
        Assert.Equal("simulated", metadata!.ProviderName);
    }

    // ---- no hidden language ----

    [Theory]
    [InlineData("[[sim:fail=malformed]]")]
    [InlineData("[[sim:fail=schema]]")]
    [InlineData("[[sim:number.score=1.5;bool.approved=false]]")]
    public async Task Bracketed_markers_in_a_prompt_are_plain_text(string marker)
    {
        // Tests steer their own model (a scripted upstream); the product's simulated model has no control language.
        var plain = await AskJsonAsync(ReviewSchema, "Review this plan.");
        var answer = await AskJsonAsync(ReviewSchema, "Review this plan. " + marker);
        AssertValid(ReviewSchema, answer);
        using var doc = JsonDocument.Parse(answer);
        Assert.InRange(doc.RootElement.GetProperty("score").GetDouble(), 7.0, 9.5);
        Assert.True(doc.RootElement.GetProperty("approved").GetBoolean());
        Assert.NotNull(plain);
    }

    [Fact]
    public async Task The_configured_latency_delays_every_call()
    {
        var client = new SimulatedChatClient(new SimulatedModelOptions { LatencyMs = 250 });
        var sw = Stopwatch.StartNew();
        await client.GetResponseAsync(Messages("Review this."), JsonSchemaOptions(ReviewSchema), TestContext.Current.CancellationToken);
        Assert.True(sw.ElapsedMilliseconds >= 230, $"{sw.ElapsedMilliseconds} ms");
    }
}
