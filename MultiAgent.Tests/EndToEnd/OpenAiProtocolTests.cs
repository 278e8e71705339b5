using System.ClientModel;
using System.Text.Json;
using Microsoft.Extensions.AI;
using OpenAI;
using OpenAI.Chat;
using ChatMessage = OpenAI.Chat.ChatMessage;

namespace MultiAgent.Tests.EndToEnd;

/// <summary>The AiGateway speaks the OpenAI protocol: the official OpenAI client talks to it unchanged.</summary>
[Collection(PlatformCollection.Name)]
public class OpenAiProtocolTests(PlatformFixture platform)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private ChatClient Client(string model = "gpt-4o-mini")
    {
        var endpoint = platform.App.GetEndpoint("aigateway", "http");
        return new ChatClient(model, new ApiKeyCredential("test-key"), new OpenAIClientOptions { Endpoint = new Uri(endpoint, "/v1") });
    }

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
        var models = await new OpenAIClient(new ApiKeyCredential("test-key"),
            new OpenAIClientOptions { Endpoint = new Uri(platform.App.GetEndpoint("aigateway", "http"), "/v1") }).GetOpenAIModelClient().GetModelsAsync(Ct);
        Assert.NotEmpty(models.Value);
    }

    private sealed record Forecast(string Summary, IReadOnlyList<string> Drivers, double Growth);
}
