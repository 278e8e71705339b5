using System.ClientModel;
using System.Text.Json;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using OpenAI;
using OpenAI.Chat;
using ChatMessage = OpenAI.Chat.ChatMessage;

namespace MultiAgent.Tests.EndToEnd;

/// <summary>
/// The AiGateway speaks the OpenAI protocol: the official OpenAI client talks to it unchanged, with the key the AppHost
/// generated (its secret parameter <c>aigateway-api-key</c>) as the API key.
/// </summary>
[Trait("Category", "AppHost")]
[Collection(PlatformCollection.Name)]
[Trait("Category", "AppHost")]
public class OpenAiProtocolTests(PlatformFixture platform) : IAsyncLifetime
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private string _key = "";

    public async ValueTask InitializeAsync() => _key = await GatewayKeyAsync();

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private Uri GatewayV1 => new(platform.App.GetEndpoint("aigateway", "http"), "/v1");

    /// <summary>The gateway key of the running platform: the value of the AppHost's secret parameter.</summary>
    private async Task<string> GatewayKeyAsync()
    {
        var parameter = platform.App.Services.GetRequiredService<DistributedApplicationModel>().Resources
            .OfType<ParameterResource>().Single(p => p.Name == "aigateway-api-key");
        Assert.True(parameter.Secret);
        return await parameter.GetValueAsync(Ct) is { Length: > 0 } key ? key : throw new InvalidOperationException("aigateway-api-key has no value.");
    }

    private static OpenAIClientOptions Options(Uri endpoint) =>
        new() { Endpoint = endpoint, RetryPolicy = new System.ClientModel.Primitives.ClientRetryPolicy(maxRetries: 0) };

    private ChatClient Client(string model = "gpt-4o-mini") =>
        new(model, new ApiKeyCredential(_key), Options(GatewayV1));

    [Fact]
    public async Task Chat_completion_answers_with_text_and_usage()
    {
        ChatCompletion completion = await Client().CompleteChatAsync(
            [new SystemChatMessage("You are terse."), new UserChatMessage("Name three uses of graph databases in logistics.")], cancellationToken: Ct);

        Assert.Equal(OpenAI.Chat.ChatFinishReason.Stop, completion.FinishReason);
        Assert.False(string.IsNullOrWhiteSpace(completion.Content[0].Text));
        Assert.True(completion.Usage.InputTokenCount > 0);
        Assert.True(completion.Usage.OutputTokenCount > 0);
        Assert.Equal(completion.Usage.InputTokenCount + completion.Usage.OutputTokenCount, completion.Usage.TotalTokenCount);
    }

    [Fact]
    public async Task Streaming_completion_delivers_the_same_text_in_chunks_with_final_usage()
    {
        ChatMessage[] messages = [new UserChatMessage("Describe the water cycle for a ten year old.")];
        var whole = (await Client().CompleteChatAsync(messages, cancellationToken: Ct)).Value.Content[0].Text;

        var text = new System.Text.StringBuilder();
        var chunks = 0;
        ChatTokenUsage? usage = null;
        await foreach (var update in Client().CompleteChatStreamingAsync(messages, cancellationToken: Ct))
        {
            foreach (var part in update.ContentUpdate) text.Append(part.Text);
            if (update.ContentUpdate.Count > 0) chunks++;
            usage ??= update.Usage;
        }

        Assert.True(chunks > 1, "a streamed answer arrives in more than one chunk");
        Assert.Equal(whole, text.ToString());
        Assert.NotNull(usage);
        Assert.True(usage.OutputTokenCount > 0);
    }

    [Fact]
    public async Task Structured_output_request_is_answered_with_json_matching_the_schema()
    {
        var schema = AIJsonUtilities.CreateJsonSchema(typeof(Forecast));
        var options = new ChatCompletionOptions
        {
            ResponseFormat = OpenAI.Chat.ChatResponseFormat.CreateJsonSchemaFormat("forecast", BinaryData.FromString(schema.GetRawText()), jsonSchemaIsStrict: true),
        };

        ChatCompletion completion = await Client("gpt-4o").CompleteChatAsync([new UserChatMessage("Forecast smartphone sales in Europe next year.")], options, Ct);
        var forecast = JsonSerializer.Deserialize<Forecast>(completion.Content[0].Text, new JsonSerializerOptions(JsonSerializerDefaults.Web));

        Assert.NotNull(forecast);
        Assert.False(string.IsNullOrWhiteSpace(forecast.Summary));
        Assert.NotNull(forecast.Drivers);
    }

    [Fact]
    public async Task Models_are_listed()
    {
        var models = await new OpenAIClient(new ApiKeyCredential(_key), Options(GatewayV1)).GetOpenAIModelClient().GetModelsAsync(Ct);
        Assert.NotEmpty(models.Value);
    }

    [Fact]
    public async Task Wrong_key_is_refused_with_401_in_OpenAI_error_shape()
    {
        var client = new ChatClient("gpt-4o-mini", new ApiKeyCredential("sk-not-the-gateway-key"), Options(GatewayV1));

        var ex = await Assert.ThrowsAsync<ClientResultException>(() => client.CompleteChatAsync([new UserChatMessage("hi")], cancellationToken: Ct));

        AssertInvalidApiKey(ex);
    }

    [Fact]
    public async Task Missing_key_is_refused_with_401_in_OpenAI_error_shape()
    {
        // The OpenAI client always sends a key; a plain HTTP request is the client without one.
        using var http = new HttpClient();
        using var response = await http.GetAsync(new Uri(GatewayV1 + "/models"), Ct);
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains(response.Headers.WwwAuthenticate, h => h.Scheme == "Bearer");
        AssertErrorShape(await response.Content.ReadAsStringAsync(Ct));

        // And through the OpenAI client, with an empty key it sends as "Bearer " (no key at all).
        var models = new OpenAIClient(new ApiKeyCredential(" "), Options(GatewayV1)).GetOpenAIModelClient();
        var ex = await Assert.ThrowsAsync<ClientResultException>(() => models.GetModelsAsync(Ct));
        AssertInvalidApiKey(ex);
    }

    [Fact]
    public async Task Health_needs_no_key()
    {
        using var http = new HttpClient();
        using var response = await http.GetAsync(new Uri(platform.App.GetEndpoint("aigateway", "http"), "/health"), Ct);
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
    }

    private static void AssertInvalidApiKey(ClientResultException ex)
    {
        Assert.Equal(401, ex.Status);
        var response = ex.GetRawResponse()!;
        Assert.True(response.Headers.TryGetValue("WWW-Authenticate", out var challenge));
        Assert.StartsWith("Bearer", challenge);
        AssertErrorShape(response.Content.ToString());
    }

    private static void AssertErrorShape(string body)
    {
        using var json = JsonDocument.Parse(body);
        var error = json.RootElement.GetProperty("error");
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.Equal("invalid_api_key", error.GetProperty("code").GetString());
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()));
    }

    private sealed record Forecast(string Summary, IReadOnlyList<string> Drivers, double Growth);
}
