using System.ClientModel;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MultiAgent.AiGateway.Security;
using OpenAI.Chat;

namespace MultiAgent.Tests.AiGateway;

/// <summary>The key check itself: which keys pass, constant-time comparison, fingerprints, header parsing, validation.</summary>
public class GatewayKeyCheckerTests
{
    private static readonly GatewayKeyChecker Checker = new(["key-current-0123456789", "key-next-9876543210"]);

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void Missing_key_is_refused(string? presented) => Assert.False(Checker.IsValid(presented));

    [Theory]
    [InlineData("key-current-012345678")]   // one character short
    [InlineData("key-current-01234567890")] // one character more
    [InlineData("KEY-CURRENT-0123456789")]  // keys are case-sensitive
    [InlineData("something-else")]
    public void Wrong_key_is_refused(string presented) => Assert.False(Checker.IsValid(presented));

    [Fact]
    public void Configured_key_is_accepted() => Assert.True(Checker.IsValid("key-current-0123456789"));

    [Fact]
    public void Second_key_is_accepted_too_so_a_key_can_be_rotated() => Assert.True(Checker.IsValid("key-next-9876543210"));

    [Fact]
    public void Empty_configured_entries_are_ignored_and_accept_nothing()
    {
        var checker = new GatewayKeyChecker(["", "real-key"]);
        Assert.Equal(1, checker.Count);
        Assert.False(checker.IsValid(""));
        Assert.True(checker.IsValid("real-key"));
    }

    [Fact]
    public void No_keys_accept_nothing() => Assert.False(new GatewayKeyChecker([]).IsValid("anything"));

    [Fact]
    public void Constant_time_comparer_compares_by_value_whatever_the_lengths()
    {
        Assert.True(GatewayKeyChecker.FixedTimeEquals("abc", "abc"));
        Assert.False(GatewayKeyChecker.FixedTimeEquals("abc", "abd"));
        Assert.False(GatewayKeyChecker.FixedTimeEquals("abc", "abcd"));
        Assert.False(GatewayKeyChecker.FixedTimeEquals("", "a"));
        Assert.True(GatewayKeyChecker.FixedTimeEquals("ключ-🔑", "ключ-🔑"));
        Assert.True(GatewayKeyChecker.FixedTimeEquals([1, 2, 3], [1, 2, 3]));
        Assert.False(GatewayKeyChecker.FixedTimeEquals([1, 2, 3], [1, 2, 4]));
        Assert.False(GatewayKeyChecker.FixedTimeEquals([1, 2, 3], [1, 2]));
    }

    [Fact]
    public void Fingerprint_is_short_stable_and_does_not_reveal_the_key()
    {
        var fingerprint = GatewayKeyChecker.Fingerprint("key-current-0123456789");
        Assert.Matches("^sha256:[0-9a-f]{8}$", fingerprint);
        Assert.Equal(fingerprint, GatewayKeyChecker.Fingerprint("key-current-0123456789"));
        Assert.NotEqual(fingerprint, GatewayKeyChecker.Fingerprint("key-next-9876543210"));
        Assert.DoesNotContain("key-current", fingerprint);
    }

    [Theory]
    [InlineData("Bearer abc", "abc")]
    [InlineData("bearer abc", "abc")]
    [InlineData("Bearer   abc  ", "abc")]
    [InlineData("Bearer ", null)]
    [InlineData("Basic YWJjOmRlZg==", null)]
    [InlineData("abc", null)]
    [InlineData("", null)]
    [InlineData(null, null)]
    public void Bearer_token_is_read_from_the_authorization_header(string? header, string? expected) =>
        Assert.Equal(expected, GatewayKeyMiddleware.BearerToken(header));

    [Fact]
    public void Validation_requires_a_key_and_names_the_variable_to_set()
    {
        var validator = new GatewayKeyOptionsValidator();
        var none = validator.Validate(null, new GatewayKeyOptions());
        Assert.True(none.Failed);
        Assert.Contains("AiGateway__ApiKeys__0", none.FailureMessage);
        Assert.Contains("aigateway-api-key", none.FailureMessage);

        Assert.True(validator.Validate(null, new GatewayKeyOptions { ApiKeys = ["", ""] }).Failed);
        Assert.True(validator.Validate(null, new GatewayKeyOptions { ApiKeys = [" padded "] }).Failed);
        Assert.True(validator.Validate(null, new GatewayKeyOptions { ApiKeys = ["k1", "k2"] }).Succeeded);
    }
}

/// <summary>Keys over HTTP: the in-process gateway with the real OpenAI client and raw requests.</summary>
[Collection(MultiAgent.Tests.Support.GatewayInfrastructureCollection.Name)]
[Trait("Category", "AppHost")]
public class GatewayApiKeyHttpTests(MultiAgent.Tests.Support.GatewayInfrastructureFixture infrastructure)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static StringContent ChatBody() =>
        new("""{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json");

    private static async Task AssertInvalidApiKeyAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains(response.Headers.WwwAuthenticate, h => h.Scheme == "Bearer");
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        var error = body.RootElement.GetProperty("error");
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.Equal("invalid_api_key", error.GetProperty("code").GetString());
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()));
    }

    [Fact]
    public async Task Missing_key_gets_401_in_OpenAI_shape_on_every_v1_path()
    {
        await using var gateway = new GatewayFactory(infrastructure) { ClientKey = null };
        var http = gateway.CreateClient();

        await AssertInvalidApiKeyAsync(await http.PostAsync("/v1/chat/completions", ChatBody(), Ct));
        await AssertInvalidApiKeyAsync(await http.GetAsync("/v1/models", Ct));
        await AssertInvalidApiKeyAsync(await http.GetAsync("/v1/models/gpt-4o", Ct));
        await AssertInvalidApiKeyAsync(await http.GetAsync("/v1/no-such-endpoint", Ct)); // no route is revealed without a key
    }

    [Fact]
    public async Task Wrong_key_gets_401_and_the_OpenAI_client_reports_it()
    {
        await using var gateway = new GatewayFactory(infrastructure);

        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = ChatBody() };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "not-the-key");
        await AssertInvalidApiKeyAsync(await gateway.CreateClient().SendAsync(request, Ct));

        var ex = await Assert.ThrowsAsync<ClientResultException>(() =>
            gateway.OpenAIChatClient("gpt-4o", key: "not-the-key").CompleteChatAsync([new UserChatMessage("hi")], cancellationToken: Ct));
        Assert.Equal(401, ex.Status);
        Assert.Contains("invalid_api_key", ex.GetRawResponse()!.Content.ToString());
    }

    [Fact]
    public async Task Basic_auth_is_not_a_bearer_key()
    {
        await using var gateway = new GatewayFactory(infrastructure);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/models");
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(GatewayFactory.ApiKey)));
        var http = gateway.CreateClient();
        http.DefaultRequestHeaders.Authorization = null;
        await AssertInvalidApiKeyAsync(await http.SendAsync(request, Ct));
    }

    [Fact]
    public async Task Right_key_is_answered()
    {
        await using var gateway = new GatewayFactory(infrastructure);
        ChatCompletion completion = await gateway.OpenAIChatClient("gpt-4o").CompleteChatAsync([new UserChatMessage("hi")], cancellationToken: Ct);
        Assert.False(string.IsNullOrWhiteSpace(completion.Content[0].Text));
    }

    [Fact]
    public async Task Both_keys_are_accepted_while_rotating()
    {
        await using var gateway = new GatewayFactory(infrastructure) { Settings = new() { ["AiGateway:ApiKeys:1"] = "the-next-key-abcdefghij" } };

        foreach (var key in new[] { GatewayFactory.ApiKey, "the-next-key-abcdefghij" })
        {
            ChatCompletion completion = await gateway.OpenAIChatClient("gpt-4o", key: key).CompleteChatAsync([new UserChatMessage("hi")], cancellationToken: Ct);
            Assert.False(string.IsNullOrWhiteSpace(completion.Content[0].Text));
        }
    }

    [Fact]
    public async Task Retired_key_is_refused_once_removed()
    {
        // After rotation the old key is dropped: only the new one is configured.
        await using var gateway = new GatewayFactory(infrastructure) { Settings = new() { ["AiGateway:ApiKeys:0"] = "the-next-key-abcdefghij" } };
        var ex = await Assert.ThrowsAsync<ClientResultException>(() =>
            gateway.OpenAIChatClient("gpt-4o", key: GatewayFactory.ApiKey).CompleteChatAsync([new UserChatMessage("hi")], cancellationToken: Ct));
        Assert.Equal(401, ex.Status);
    }

    [Fact]
    public async Task Health_and_alive_stay_open_without_a_key()
    {
        await using var gateway = new GatewayFactory(infrastructure) { ClientKey = null };
        var http = gateway.CreateClient();

        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/alive", Ct)).StatusCode);
        // /health checks the ledger database and Redis too (real ones here, so it is healthy), and needs no key either.
        var health = await http.GetAsync("/health", Ct);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    [Fact]
    public void Gateway_without_any_key_fails_startup_naming_the_setting()
    {
        var ex = GatewayFailureTests.StartupFailure(new() { ["AiGateway:ApiKeys:0"] = "" });
        Assert.Contains("AiGateway__ApiKeys__0", ex.Message);
    }

    [Fact]
    public async Task Keys_are_never_logged_only_fingerprints()
    {
        var logs = new CapturingLoggerProvider();
        await using var gateway = new GatewayFactory(infrastructure)
        {
            Settings = new() { ["AiGateway:ApiKeys:1"] = "the-next-key-abcdefghij" },
            ConfigureServices = services => services.AddSingleton<ILoggerProvider>(logs),
        };

        await gateway.OpenAIChatClient("gpt-4o").CompleteChatAsync([new UserChatMessage("hi")], cancellationToken: Ct);
        await Assert.ThrowsAsync<ClientResultException>(() =>
            gateway.OpenAIChatClient("gpt-4o", key: "wrong-key-zyxwvutsrq").CompleteChatAsync([new UserChatMessage("hi")], cancellationToken: Ct));

        var all = string.Join("\n", logs.Messages);
        Assert.Contains(GatewayKeyChecker.Fingerprint("wrong-key-zyxwvutsrq"), all);
        Assert.DoesNotContain("wrong-key-zyxwvutsrq", all);
        Assert.DoesNotContain(GatewayFactory.ApiKey, all);
        Assert.DoesNotContain("the-next-key-abcdefghij", all);
    }

    private sealed class CapturingLoggerProvider : ILoggerProvider
    {
        public ConcurrentQueue<string> Messages { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Logger(Messages);

        public void Dispose() { }

        private sealed class Logger(ConcurrentQueue<string> messages) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
            public bool IsEnabled(LogLevel logLevel) => true;
            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                messages.Enqueue(formatter(state, exception) + (exception is null ? "" : "\n" + exception));
        }
    }
}
