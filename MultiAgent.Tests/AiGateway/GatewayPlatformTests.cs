using System.ClientModel;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using MultiAgent.Contracts;
using MultiAgent.Contracts.Api;
using MultiAgent.Tests.Support;
using OpenAI.Chat;

namespace MultiAgent.Tests.AiGateway;

/// <summary>
/// The gateway as the AppHost runs it (two replicas, real Postgres and Redis), its providers played by a fault-injecting
/// <see cref="FakeModelServer"/>: fallback, circuit breaking, cut streams, idempotency, usage, cache, budgets and limits.
/// </summary>
[Collection(GatewayPlatformCollection.Name)]
[Trait("Category", "AppHost")]
public sealed class GatewayPlatformTests(GatewayPlatformFixture platform)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private FakeModelServer Fake => platform.Fake;

    private sealed record Reply(HttpStatusCode Status, HttpResponseHeaders Headers, string Body)
    {
        public string? Header(string name) => Headers.TryGetValues(name, out var values) ? values.First() : null;

        public JsonNode Json => JsonNode.Parse(Body)!;

        public string Content => Json["choices"]![0]!["message"]!["content"]!.GetValue<string>();

        public string? ErrorCode => Json["error"]?["code"]?.GetValue<string>();

        /// <summary>The data of each server-sent event.</summary>
        public List<string> Events => Body.Split("\n\n", StringSplitOptions.RemoveEmptyEntries)
            .Select(e => e.Trim()).Where(e => e.StartsWith("data: ", StringComparison.Ordinal)).Select(e => e["data: ".Length..]).ToList();

        public string StreamedText => string.Concat(Events.Where(e => e != "[DONE]").Select(e => JsonNode.Parse(e)!)
            .Where(e => e["choices"] is JsonArray { Count: > 0 })
            .Select(e => e["choices"]![0]!["delta"]?["content"]?.GetValue<string>() ?? ""));
    }

    private async Task<Reply> PostAsync(object body, IReadOnlyDictionary<string, string>? headers = null, int? replica = null)
    {
        using var http = replica is { } index ? platform.CreateReplicaClient(index) : platform.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json"),
        };
        foreach (var (name, value) in headers ?? new Dictionary<string, string>()) request.Headers.TryAddWithoutValidation(name, value);
        using var response = await http.SendAsync(request, Ct);
        return new Reply(response.StatusCode, response.Headers, await response.Content.ReadAsStringAsync(Ct));
    }

    private static object Chat(string model, string prompt, bool stream = false, double? temperature = null, int? maxTokens = null) => new Dictionary<string, object?>
    {
        ["model"] = model,
        ["messages"] = new[] { new { role = "user", content = prompt } },
        ["stream"] = stream,
        ["stream_options"] = stream ? new { include_usage = true } : null,
        ["temperature"] = temperature,
        ["max_tokens"] = maxTokens,
    }.Where(p => p.Value is not null).ToDictionary();

    private static Dictionary<string, string> Task(string taskId, params (string Name, string Value)[] more)
    {
        var headers = new Dictionary<string, string> { ["X-MultiAgent-Task-Id"] = taskId };
        foreach (var (name, value) in more) headers[name] = value;
        return headers;
    }

    private static string Unique(string text) => $"{text} ({Guid.NewGuid():N})";

    [Fact]
    public async Task Failing_first_provider_falls_back_to_the_next_after_its_retries()
    {
        Fake.Script("fa", _ => FakeReply.Error(503));
        Fake.Script("fb", _ => FakeReply.Answer("Answer from B."));
        var prompt = Unique("Plan a launch");
        var taskId = GatewayPlatformFixture.NewTaskId();

        // The official OpenAI client, naming the route as its model.
        var completion = (await platform.OpenAIClient("fallback", Task(taskId)).CompleteChatAsync([new UserChatMessage(prompt)], cancellationToken: Ct)).Value;

        Assert.Equal("Answer from B.", completion.Content[0].Text);
        Assert.Equal("model-b", completion.Model);
        var toA = Fake.ReceivedBy("fa").Where(r => r.AllText.Contains(prompt)).ToList();
        Assert.Equal(2, toA.Count); // MaxAttempts (default 2) on A, with a backoff between
        Assert.All(toA, r => Assert.Equal("model-a", r.Model));
        var toB = Assert.Single(Fake.ReceivedBy("fb"), r => r.AllText.Contains(prompt));
        Assert.Equal($"Bearer {GatewayPlatformFixture.ProviderKey("fb")}", toB.Header("Authorization"));

        var row = Assert.Single(await platform.LedgerAsync(taskId));
        Assert.Equal("fb", row.Provider);
        Assert.Equal("fallback", row.Route);
        Assert.True(row.Fallback);
        Assert.Equal(3, row.Attempts);
        Assert.Equal("ok", row.Outcome);
    }

    [Fact]
    public async Task Rejected_request_stops_the_chain_and_is_not_retryable()
    {
        Fake.Script("fa", _ => FakeReply.Error(400));
        var prompt = Unique("Bad request");

        var reply = await PostAsync(Chat("fallback", prompt));

        Assert.Equal(HttpStatusCode.BadRequest, reply.Status);
        Assert.Equal("upstream_rejected_request", reply.ErrorCode);
        Assert.Equal("false", reply.Header("x-should-retry"));
        Assert.Single(Fake.ReceivedBy("fa"), r => r.AllText.Contains(prompt));
        Assert.DoesNotContain(Fake.ReceivedBy("fb"), r => r.AllText.Contains(prompt));
    }

    [Fact]
    public async Task Every_provider_rate_limited_is_a_retryable_429_with_the_shortest_retry_after()
    {
        Fake.Script("fa", _ => FakeReply.Error(429, TimeSpan.FromSeconds(30)));
        Fake.Script("fb", _ => FakeReply.Error(429, TimeSpan.FromSeconds(20)));

        var reply = await PostAsync(Chat("fallback", Unique("Busy")));

        Assert.Equal(HttpStatusCode.TooManyRequests, reply.Status);
        Assert.Equal("rate_limit_exceeded", reply.ErrorCode);
        Assert.Equal("true", reply.Header("x-should-retry"));
        Assert.Equal(TimeSpan.FromSeconds(20), reply.Headers.RetryAfter?.Delta);
    }

    [Fact]
    public async Task Breaker_opens_after_consecutive_failures_and_closes_after_a_successful_probe()
    {
        var failing = true;
        Fake.Script("flaky", _ => failing ? FakeReply.Error(500) : FakeReply.Answer("Flaky is back."));
        Fake.Script("backup", _ => FakeReply.Answer("Backup answer."));

        // Two replicas, each with its own breaker (threshold 2, one attempt per call): at most 4 calls reach the failing
        // provider before both breakers are open, however the calls are spread.
        const int calls = 12;
        for (var i = 0; i < calls; i++)
        {
            var reply = await PostAsync(Chat("breaker", Unique("Breaker call")));
            Assert.Equal(HttpStatusCode.OK, reply.Status);
            Assert.Equal("Backup answer.", reply.Content);
        }
        var reachedFlaky = Fake.ReceivedBy("flaky").Count;
        Assert.InRange(reachedFlaky, 2, 4);

        // It recovers: once the break is over, a probe gets through, succeeds, and the breaker closes.
        failing = false;
        var answeredByFlaky = 0;
        for (var i = 0; i < 200 && answeredByFlaky < 4; i++)
        {
            var reply = await PostAsync(Chat("breaker", Unique("Recovery call")));
            Assert.Equal(HttpStatusCode.OK, reply.Status);
            answeredByFlaky = reply.Header("X-MultiAgent-Provider") == "flaky" ? answeredByFlaky + 1 : 0;
            if (answeredByFlaky == 0) await System.Threading.Tasks.Task.Delay(250, Ct);
        }
        Assert.Equal(4, answeredByFlaky); // four in a row: both replicas' breakers closed again
    }

    [Fact]
    public async Task Stream_cut_after_content_ends_with_an_error_event_not_a_clean_finish()
    {
        Fake.Script("cut", _ => new FakeReply { Text = "The first part of an answer that never ends", ChunkChars = 6, CutAfterChunks = 2 });
        var taskId = GatewayPlatformFixture.NewTaskId();

        var reply = await PostAsync(Chat("cut", Unique("Cut me"), stream: true), Task(taskId));

        Assert.Equal(HttpStatusCode.OK, reply.Status); // the headers were out before the provider broke
        var events = reply.Events;
        Assert.DoesNotContain("[DONE]", events);
        Assert.DoesNotContain(events, e => e.Contains("\"finish_reason\":\"stop\""));
        var error = JsonNode.Parse(events[^1])!["error"]!;
        Assert.Equal("stream_interrupted", error["code"]!.GetValue<string>());
        Assert.Equal("The first p", reply.StreamedText[..11]);

        var row = Assert.Single(await platform.LedgerAsync(taskId));
        Assert.Equal("stream_interrupted", row.Outcome);
        Assert.Equal("cut", row.Provider);
        Assert.True(row.OutputTokens > 0, "the part that was streamed is accounted for");
    }

    [Fact]
    public async Task Stream_ending_without_its_finish_is_reported_as_interrupted()
    {
        Fake.Script("cut", _ => new FakeReply { Text = "An answer that stops short", ChunkChars = 5, EndWithoutFinish = true });

        var reply = await PostAsync(Chat("cut", Unique("Truncate me"), stream: true));

        Assert.DoesNotContain("[DONE]", reply.Events);
        Assert.Equal("stream_interrupted", JsonNode.Parse(reply.Events[^1])!["error"]!["code"]!.GetValue<string>());
    }

    [Fact]
    public async Task Stream_that_breaks_before_any_content_falls_back_to_the_next_provider()
    {
        Fake.Script("cut", _ => new FakeReply { Text = "never sent", CutAfterChunks = 0 });
        Fake.Script("after", _ => FakeReply.Answer("The fallback's whole answer."));

        var reply = await PostAsync(Chat("cut", Unique("Break early"), stream: true));

        Assert.Equal("after", reply.Header("X-MultiAgent-Provider"));
        Assert.Equal("[DONE]", reply.Events[^1]);
        Assert.Equal("The fallback's whole answer.", reply.StreamedText);
    }

    [Fact]
    public async Task Repeated_idempotency_key_gets_the_first_answer_and_is_billed_once()
    {
        var n = 0;
        Fake.Script("idem", _ => FakeReply.Answer($"Answer number {Interlocked.Increment(ref n)}.", 100, 20));
        var taskId = GatewayPlatformFixture.NewTaskId();
        var key = "step-" + Guid.NewGuid().ToString("N");
        var body = Chat("idem", Unique("Do it once"));

        var first = await PostAsync(body, Task(taskId, ("Idempotency-Key", key)));
        var second = await PostAsync(body, Task(taskId, ("Idempotency-Key", key)));
        var third = await PostAsync(Chat("idem", Unique("Do it once"), stream: true), Task(taskId, ("Idempotency-Key", key)));

        Assert.Equal(HttpStatusCode.OK, second.Status);
        Assert.Equal(first.Content, second.Content);
        Assert.Equal("true", second.Header("x-multiagent-idempotent-replay"));
        Assert.Equal(1, n); // the model was called once
        Assert.Equal(HttpStatusCode.UnprocessableEntity, third.Status); // the same key for another request
        Assert.Equal("idempotency_key_reused", third.ErrorCode);

        await System.Threading.Tasks.Task.Delay(500, Ct); // give a wrongly written second entry the time to appear
        var row = Assert.Single(await platform.LedgerAsync(taskId));
        Assert.Equal(key, row.IdempotencyKey);
        Assert.Equal(100, row.InputTokens);
    }

    [Fact]
    public async Task A_failed_attempt_and_its_answered_retry_under_one_key_are_both_in_the_ledger()
    {
        // Found by the fault bench: the failed attempt's row took the key, and the answered retry's row was dropped as a
        // duplicate — a call the provider answered (and would bill) went missing from the ledger.
        var n = 0;
        Fake.Script("idem", _ => Interlocked.Increment(ref n) == 1 ? FakeReply.Error(400) : FakeReply.Answer("Second time lucky.", 100, 20));
        var taskId = GatewayPlatformFixture.NewTaskId();
        var key = "step-" + Guid.NewGuid().ToString("N");
        var body = Chat("idem", Unique("Try again"));

        var failed = await PostAsync(body, Task(taskId, ("Idempotency-Key", key)));
        var answered = await PostAsync(body, Task(taskId, ("Idempotency-Key", key)));
        var replayed = await PostAsync(body, Task(taskId, ("Idempotency-Key", key)));

        Assert.NotEqual(HttpStatusCode.OK, failed.Status);
        Assert.Equal(HttpStatusCode.OK, answered.Status);
        Assert.Equal(answered.Content, replayed.Content);
        Assert.Equal(2, n); // the failed attempt and the retry; the replay is not a call

        var rows = await platform.LedgerAsync(taskId, atLeast: 2);
        Assert.Equal(2, rows.Count);
        Assert.All(rows, r => Assert.Equal(key, r.IdempotencyKey));
        var ok = Assert.Single(rows, r => r.Outcome == "ok");
        Assert.Equal(100, ok.InputTokens);
    }

    [Fact]
    public async Task Streamed_call_is_billed_from_the_final_usage_chunk()
    {
        Fake.Script("usage", _ => new FakeReply { Text = "Streamed and billed.", PromptTokens = 1200, CachedPromptTokens = 200, CompletionTokens = 300 });
        var taskId = GatewayPlatformFixture.NewTaskId();

        var text = new StringBuilder();
        ChatTokenUsage? usage = null;
        await foreach (var update in platform.OpenAIClient("usage", Task(taskId)).CompleteChatStreamingAsync([new UserChatMessage(Unique("Bill me"))], cancellationToken: Ct))
        {
            foreach (var part in update.ContentUpdate) text.Append(part.Text);
            usage ??= update.Usage;
        }

        Assert.Equal("Streamed and billed.", text.ToString());
        Assert.Equal(1200, usage!.InputTokenCount);
        var row = Assert.Single(await platform.LedgerAsync(taskId));
        Assert.True(row.Stream);
        Assert.Equal(1200, row.InputTokens);
        Assert.Equal(200, row.CachedInputTokens);
        Assert.Equal(300, row.OutputTokens);
        Assert.Equal((1200 + 300) * GatewayPlatformFixture.PricePerToken, row.CostUsd);

        // The same figures through the usage contract the Api reads.
        using var http = platform.CreateClient();
        var report = JsonNode.Parse(await http.GetStringAsync($"/v1/usage/tasks/{taskId}", Ct))!;
        Assert.Equal(1.5m, report["totals"]!["cost_usd"]!.GetValue<decimal>());
        Assert.Equal("usage", report["by_model"]![0]!["provider"]!.GetValue<string>());
        Assert.Equal("priced-model", report["by_model"]![0]!["model"]!.GetValue<string>());
    }

    [Fact]
    public async Task Cache_hit_returns_the_same_answer_for_nothing_and_a_changed_option_misses()
    {
        var n = 0;
        Fake.Script("cache", _ => FakeReply.Answer($"Cached answer {Interlocked.Increment(ref n)}.", 50, 10));
        var taskId = GatewayPlatformFixture.NewTaskId();
        var prompt = Unique("Cache me");

        var first = await PostAsync(Chat("cache", prompt, temperature: 0.2), Task(taskId));
        var second = await PostAsync(Chat("cache", prompt, temperature: 0.2), Task(taskId));
        var streamed = await PostAsync(Chat("cache", prompt, stream: true, temperature: 0.2), Task(taskId));
        var otherTemperature = await PostAsync(Chat("cache", prompt, temperature: 0.3), Task(taskId));
        var bypassed = await PostAsync(Chat("cache", prompt, temperature: 0.2), Task(taskId, ("X-MultiAgent-Cache", "bypass")));

        Assert.Equal("miss", first.Header("x-multiagent-cache"));
        Assert.Equal("hit", second.Header("x-multiagent-cache"));
        Assert.Equal(first.Content, second.Content);
        Assert.Equal("hit", streamed.Header("x-multiagent-cache"));
        Assert.Equal(first.Content, streamed.StreamedText);
        Assert.Equal("[DONE]", streamed.Events[^1]);
        Assert.Equal("miss", otherTemperature.Header("x-multiagent-cache"));
        Assert.NotEqual(first.Content, otherTemperature.Content);
        Assert.Equal("bypass", bypassed.Header("x-multiagent-cache"));
        Assert.Equal(3, n);

        var rows = await platform.LedgerAsync(taskId, atLeast: 5);
        Assert.Equal(5, rows.Count);
        var hits = rows.Where(r => r.CacheHit).ToList();
        Assert.Equal(2, hits.Count);
        Assert.All(hits, h => Assert.Equal((0, 0, 0m), (h.InputTokens, h.OutputTokens, h.CostUsd ?? -1)));
        Assert.All(rows.Where(r => !r.CacheHit), r => Assert.Equal(50, r.InputTokens));
    }

    [Fact]
    public async Task Task_budget_holds_under_fifty_concurrent_calls()
    {
        // Each call may cost its prompt estimate plus max_tokens at $0.001 a token; the provider uses all 40 output tokens.
        Fake.Script("budget", r => new FakeReply { Text = "Budgeted.", PromptTokens = 8, CompletionTokens = 40, Delay = TimeSpan.FromMilliseconds(300) });
        var taskId = GatewayPlatformFixture.NewTaskId();
        const decimal budget = 0.5m;

        var replies = await System.Threading.Tasks.Task.WhenAll(Enumerable.Range(0, 50).Select(i =>
            PostAsync(Chat("budget", Unique($"Call {i}"), maxTokens: 40),
                Task(taskId, ("X-MultiAgent-Task-Budget-Usd", "0.5"), ("X-MultiAgent-Cache", "bypass")), replica: i)));

        var ok = replies.Count(r => r.Status == HttpStatusCode.OK);
        var refused = replies.Where(r => r.Status == HttpStatusCode.PaymentRequired).ToList();
        Assert.Equal(50, ok + refused.Count);
        Assert.True(ok > 0, "some calls fit the budget");
        Assert.NotEmpty(refused);
        Assert.All(refused, r =>
        {
            Assert.Equal("budget_exceeded", r.ErrorCode);
            Assert.Equal("false", r.Header("x-should-retry"));
            Assert.Contains("has spent", r.Json["error"]!["message"]!.GetValue<string>());
        });

        var rows = await platform.LedgerAsync(taskId, atLeast: 50);
        var spent = rows.Sum(r => r.CostUsd ?? 0m);
        Assert.True(spent <= budget, $"spent {spent} USD of a {budget} USD budget");
        Assert.Equal(ok, rows.Count(r => r.Outcome == "ok"));
        Assert.Equal(refused.Count, rows.Count(r => r.Outcome == "budget_exceeded"));
    }

    [Fact]
    public async Task Rpm_limit_holds_across_both_replicas()
    {
        Fake.Script("rpm", _ => new FakeReply { Text = "Within the limit.", Delay = TimeSpan.FromMilliseconds(200) });

        var replies = await System.Threading.Tasks.Task.WhenAll(Enumerable.Range(0, 20).Select(i => PostAsync(Chat("rpm", Unique($"Rpm {i}")), replica: i)));

        Assert.Equal(GatewayPlatformFixture.Rpm, replies.Count(r => r.Status == HttpStatusCode.OK));
        var limited = replies.Where(r => r.Status != HttpStatusCode.OK).ToList();
        Assert.All(limited, r =>
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, r.Status);
            Assert.Equal("rate_limit_exceeded", r.ErrorCode);
            Assert.NotNull(r.Headers.RetryAfter?.Delta);
        });
        Assert.Equal(GatewayPlatformFixture.Rpm, Fake.ReceivedBy("rpm").Count);
        Assert.Equal(2, replies.Select(r => r.Header("X-MultiAgent-Instance")).Distinct().Count()); // both replicas served
    }

    [Fact]
    public async Task Tpm_limit_holds_across_both_replicas()
    {
        // Admitted calls wait at the model until every call has been either admitted or refused: the reservations of calls
        // still running are what the limit counts, however slowly a loaded machine sends the twenty requests.
        using var release = new ManualResetEventSlim();
        Fake.Script("tpm", _ =>
        {
            release.Wait(TimeSpan.FromMinutes(1));
            return new FakeReply { Text = "Tokens." };
        });
        const int maxTokens = 100;
        // Every call reserves its prompt estimate (characters / 3 + 1 + 4 per message) plus max_tokens until it ends.
        var prompts = Enumerable.Range(0, 20).Select(i => $"Tpm call {i:00} {Guid.NewGuid():N}").ToList();
        var reservation = prompts[0].Length / 3 + 1 + 4 + maxTokens;

        var calls = prompts.Select((p, i) => PostAsync(Chat("tpm", p, maxTokens: maxTokens), replica: i)).ToList();
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(1);
        while (calls.Count(c => c.IsCompleted) + Fake.ReceivedBy("tpm").Count < prompts.Count && DateTime.UtcNow < deadline)
        {
            await System.Threading.Tasks.Task.Delay(50, TestContext.Current.CancellationToken);
        }
        release.Set();
        var replies = await System.Threading.Tasks.Task.WhenAll(calls);

        Assert.Equal(GatewayPlatformFixture.Tpm / reservation, replies.Count(r => r.Status == HttpStatusCode.OK));
        Assert.All(replies.Where(r => r.Status != HttpStatusCode.OK), r => Assert.Equal(HttpStatusCode.TooManyRequests, r.Status));
        Assert.Equal(2, replies.Select(r => r.Header("X-MultiAgent-Instance")).Distinct().Count());
    }

    [Fact]
    public async Task Anthropic_provider_gets_the_messages_api_request_and_its_answer_comes_back_in_OpenAI_shape()
    {
        Fake.Script("claude", _ => new FakeReply { Text = "Claude's answer.", PromptTokens = 30, CachedPromptTokens = 10, CompletionTokens = 7 });
        var taskId = GatewayPlatformFixture.NewTaskId();
        var prompt = Unique("Ask Claude");

        var plain = await PostAsync(new Dictionary<string, object>
        {
            ["model"] = "claude",
            ["max_tokens"] = 300,
            ["messages"] = new object[] { new { role = "system", content = "Be brief." }, new { role = "user", content = prompt } },
        }, Task(taskId));
        var streamed = await PostAsync(Chat("claude", prompt + " again", stream: true), Task(taskId));

        Assert.Equal(HttpStatusCode.OK, plain.Status);
        Assert.Equal("Claude's answer.", plain.Content);
        Assert.Equal("claude-sonnet-4-5", plain.Json["model"]!.GetValue<string>());
        Assert.Equal("Claude's answer.", streamed.StreamedText);
        Assert.Equal("[DONE]", streamed.Events[^1]);

        var request = Fake.ReceivedBy("claude").First(r => r.AllText.Contains(prompt));
        Assert.Equal("anthropic", request.Protocol);
        Assert.Equal("claude-sonnet-4-5", request.Model);
        Assert.Equal(300, request.MaxTokens);
        Assert.Equal("Be brief.", request.System);
        Assert.Equal(prompt, Assert.Single(request.Messages, m => m.Role == "user").Text);
        Assert.Equal($"Bearer {GatewayPlatformFixture.ProviderKey("claude")}", request.Header("Authorization")); // how the official SDK sends the key
        Assert.NotNull(request.Header("anthropic-version"));

        var rows = await platform.LedgerAsync(taskId, atLeast: 2);
        Assert.All(rows, r => Assert.Equal(("claude", 30, 10, 7), (r.Provider, r.InputTokens, r.CachedInputTokens, r.OutputTokens)));
    }

    [Fact]
    public async Task Provider_keys_reach_the_provider_and_never_the_caller()
    {
        Fake.Script("fa", _ => FakeReply.Error(401));
        Fake.Script("fb", _ => FakeReply.Error(403));

        var reply = await PostAsync(Chat("fallback", Unique("Wrong keys")));

        Assert.Equal(HttpStatusCode.BadGateway, reply.Status);
        Assert.Equal("upstream_authentication_failed", reply.ErrorCode);
        Assert.Equal("false", reply.Header("x-should-retry"));
        Assert.DoesNotContain(GatewayPlatformFixture.ProviderKey("fa"), reply.Body);
        Assert.Contains("ai-<provider>-api-key", reply.Body);
    }

    [Theory]
    [InlineData("fallback", null, "fallback", "model", "fa/model-a,fb/model-b")]
    [InlineData("gpt-4o", "claude", "claude", "role", "claude/claude-sonnet-4-5")]
    [InlineData("fa/model-x", "claude", "fa/model-x", "direct", "fa/model-x")]
    [InlineData("gpt-4o", "no-such-role", "default", "default", "simulated/*")]
    public async Task A_route_resolves_as_a_call_would(string model, string? role, string route, string match, string targets)
    {
        using var http = platform.CreateClient();
        var query = $"/v1/routes/resolve?model={Uri.EscapeDataString(model)}" + (role is null ? "" : $"&role={Uri.EscapeDataString(role)}");
        var resolved = await http.GetFromJsonAsync<ModelRoute>(query, JsonDefaults.Options, Ct);

        Assert.Equal(new ModelRoute(route, match, []) with { Targets = resolved!.Targets }, resolved);
        Assert.Equal(targets.Split(','), resolved.Targets);
    }

    [Fact]
    public async Task Resolving_a_route_needs_a_model()
    {
        using var http = platform.CreateClient();
        using var response = await http.GetAsync("/v1/routes/resolve?role=manager", Ct);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("?model=", await response.Content.ReadAsStringAsync(Ct));
    }
}
