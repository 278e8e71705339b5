using System.ClientModel.Primitives;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using MultiAgent.AiGateway.Protocol;
using OpenAI;
using OpenAI.Chat;
using AIChatMessage = Microsoft.Extensions.AI.ChatMessage;
using AIChatResponseFormat = Microsoft.Extensions.AI.ChatResponseFormat;
using ChatFinishReason = Microsoft.Extensions.AI.ChatFinishReason;

// AsOpenAIChatResponseFormat / AsChatResponse are marked for evaluation; they are the real conversions used by the client.
#pragma warning disable OPENAI001

namespace MultiAgent.Tests.AiGateway;

/// <summary>
/// The pure wire mappings: OpenAI request JSON → ChatMessages + ChatOptions, and ChatResponse → OpenAI response JSON.
/// The other side of each round trip is the real OpenAI .NET library's own (de)serialisation, not a mock.
/// </summary>
public class OpenAIMappingTests
{
    private static ChatCompletionRequest Parse(string json)
    {
        using var doc = JsonDocument.Parse(json);
        Assert.True(ChatCompletionRequestParser.TryParse(doc.RootElement, out var request, out var error), error?.Message);
        return request!;
    }

    private static WireError ParseError(string json)
    {
        using var doc = JsonDocument.Parse(json);
        Assert.False(ChatCompletionRequestParser.TryParse(doc.RootElement, out _, out var error));
        return error!;
    }

    [Fact]
    public void Full_request_maps_to_messages_and_options()
    {
        var request = Parse("""
            {"model":"gpt-4o","messages":[
                {"role":"system","content":"You are a planner."},
                {"role":"developer","content":"Be brief."},
                {"role":"user","content":[{"type":"text","text":"Plan "},{"type":"text","text":"a launch."}],"name":"alice"},
                {"role":"assistant","content":"Sure."}],
             "temperature":0.3,"top_p":0.9,"max_tokens":100,"max_completion_tokens":2000,"seed":42,"stop":["END","STOP"],
             "presence_penalty":0.5,"frequency_penalty":-0.5,
             "response_format":{"type":"json_schema","json_schema":{"name":"plan","description":"A plan","strict":true,
                "schema":{"type":"object","properties":{"steps":{"type":"array","items":{"type":"string"}}},"required":["steps"]}}},
             "stream":true,"stream_options":{"include_usage":true},"user":"user_1","metadata":{"k":"v"},"n":1,"logprobs":false}
            """);

        var messages = OpenAIMapping.ToChatMessages(request);
        Assert.Equal([ChatRole.System, ChatRole.System, ChatRole.User, ChatRole.Assistant], messages.Select(m => m.Role));
        Assert.Equal("Plan a launch.", messages[2].Text);
        Assert.Equal("alice", messages[2].AuthorName);

        var options = OpenAIMapping.ToChatOptions(request, "upstream-model");
        Assert.Equal("upstream-model", options.ModelId);
        Assert.Equal(0.3f, options.Temperature);
        Assert.Equal(0.9f, options.TopP);
        Assert.Equal(2000, options.MaxOutputTokens); // max_completion_tokens wins over max_tokens
        Assert.Equal(42, options.Seed);
        Assert.Equal(["END", "STOP"], options.StopSequences!);
        Assert.Equal(0.5f, options.PresencePenalty);
        Assert.Equal(-0.5f, options.FrequencyPenalty);
        var format = Assert.IsType<ChatResponseFormatJson>(options.ResponseFormat);
        Assert.Equal("plan", format.SchemaName);
        Assert.Equal("A plan", format.SchemaDescription);
        Assert.Equal("steps", format.Schema!.Value.GetProperty("required")[0].GetString());
        Assert.Equal(true, options.AdditionalProperties![OpenAIMapping.StrictKey]);
        Assert.Equal("user_1", options.AdditionalProperties[OpenAIMapping.UserKey]);
        Assert.True(request.Stream);
        Assert.True(request.IncludeUsage);
    }

    [Theory]
    [InlineData("""{"type":"text"}""", typeof(ChatResponseFormatText))]
    [InlineData("""{"type":"json_object"}""", typeof(ChatResponseFormatJson))]
    public void Simple_response_formats_map(string responseFormat, Type expected)
    {
        var request = Parse($$"""{"model":"m","messages":[{"role":"user","content":"hi"}],"response_format":{{responseFormat}}}""");
        var options = OpenAIMapping.ToChatOptions(request, "m");
        Assert.IsType(expected, options.ResponseFormat);
        if (options.ResponseFormat is ChatResponseFormatJson json) Assert.Null(json.Schema);
    }

    [Theory]
    [InlineData("""{"messages":[{"role":"user","content":"hi"}]}""", "model")]
    [InlineData("""{"model":"","messages":[{"role":"user","content":"hi"}]}""", "model")]
    [InlineData("""{"model":"m"}""", "messages")]
    [InlineData("""{"model":"m","messages":[]}""", "messages")]
    [InlineData("""{"model":"m","messages":"hi"}""", "messages")]
    [InlineData("""{"model":"m","messages":[{"content":"hi"}]}""", "messages[0].role")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"a"},{"role":"wizard","content":"hi"}]}""", "messages[1].role")]
    [InlineData("""{"model":"m","messages":[{"role":"tool","content":"hi"}]}""", "messages[0].role")]
    [InlineData("""{"model":"m","messages":[{"role":"user"}]}""", "messages[0].content")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":42}]}""", "messages[0].content")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"x"}}]}]}""", "messages[0].content[0].type")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"hi"}],"temperature":3}""", "temperature")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"hi"}],"temperature":"hot"}""", "temperature")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"hi"}],"top_p":1.5}""", "top_p")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"hi"}],"max_tokens":0}""", "max_tokens")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"hi"}],"max_completion_tokens":1.5}""", "max_completion_tokens")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"hi"}],"seed":"x"}""", "seed")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"hi"}],"n":2}""", "n")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"hi"}],"stop":["a","b","c","d","e"]}""", "stop")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"hi"}],"stop":5}""", "stop")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function"}]}""", "tools")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"hi"}],"response_format":{"type":"xml"}}""", "response_format.type")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"hi"}],"response_format":{"type":"json_schema"}}""", "response_format.json_schema")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"hi"}],"response_format":{"type":"json_schema","json_schema":{"schema":{}}}}""", "response_format.json_schema.name")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"hi"}],"response_format":{"type":"json_schema","json_schema":{"name":"a b","schema":{}}}}""", "response_format.json_schema.name")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"hi"}],"response_format":{"type":"json_schema","json_schema":{"name":"a","schema":"x"}}}""", "response_format.json_schema.schema")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"hi"}],"stream_options":{"include_usage":true}}""", "stream_options")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"hi"}],"stream":"yes"}""", "stream")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"hi"}],"metadata":{"k":1}}""", "metadata.k")]
    public void Invalid_requests_name_the_offending_field(string json, string param)
    {
        var error = ParseError(json);
        Assert.Equal(param, error.Param);
        Assert.Contains(param.Split('[')[0].Split('.')[0], error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Request_written_by_the_OpenAI_library_parses_back_to_the_same_messages_and_options()
    {
        // ChatMessages + ChatOptions → (M.E.AI's OpenAI adapter + OpenAI's serializer) → wire JSON → our parser → back.
        var schema = JsonSerializer.Deserialize<JsonElement>("""{"type":"object","properties":{"a":{"type":"integer"}},"required":["a"]}""");
        var original = new ChatOptions
        {
            Temperature = 0.25f,
            ResponseFormat = AIChatResponseFormat.ForJsonSchema(schema, "answer", "An answer"),
        };
        List<AIChatMessage> messages = [new(ChatRole.System, "Be exact."), new(ChatRole.User, "What is a?"), new(ChatRole.Assistant, "Let me see.")];

        var wireMessages = new JsonArray();
        foreach (var message in messages.AsOpenAIChatMessages(original))
        {
            wireMessages.Add(JsonNode.Parse(ModelReaderWriter.Write(message, ModelReaderWriterOptions.Json, OpenAIContext.Default).ToString()));
        }
        var wireFormat = original.ResponseFormat.AsOpenAIChatResponseFormat(original);
        var body = new JsonObject
        {
            ["model"] = "gpt-4o-mini",
            ["messages"] = wireMessages,
            ["temperature"] = 0.25,
            ["response_format"] = JsonNode.Parse(ModelReaderWriter.Write(wireFormat, ModelReaderWriterOptions.Json, OpenAIContext.Default).ToString()),
        };

        var request = Parse(body.ToJsonString());
        var roundTripped = OpenAIMapping.ToChatMessages(request);
        Assert.Equal(messages.Select(m => (m.Role, m.Text)), roundTripped.Select(m => (m.Role, m.Text)));

        var options = OpenAIMapping.ToChatOptions(request, "gpt-4o-mini");
        Assert.Equal(0.25f, options.Temperature);
        var format = Assert.IsType<ChatResponseFormatJson>(options.ResponseFormat);
        Assert.Equal("answer", format.SchemaName);
        Assert.Equal("An answer", format.SchemaDescription);
        var sentSchema = body["response_format"]!["json_schema"]!["schema"]!.ToJsonString();
        Assert.True(JsonElement.DeepEquals(JsonSerializer.Deserialize<JsonElement>(sentSchema), format.Schema!.Value), sentSchema);
        Assert.Equal("integer", format.Schema.Value.GetProperty("properties").GetProperty("a").GetProperty("type").GetString());
    }

    [Fact]
    public void Response_is_read_by_the_OpenAI_library_as_written()
    {
        var response = new ChatResponse(new AIChatMessage(ChatRole.Assistant, "{\"a\":1} – ünïcode \"quoted\""))
        {
            FinishReason = ChatFinishReason.Length,
            Usage = new UsageDetails { InputTokenCount = 12, OutputTokenCount = 34, TotalTokenCount = 46 },
        };

        var wire = OpenAIMapping.ToChatCompletion(response, "chatcmpl-abc", 1_700_000_000, "gpt-4o", "simulated");
        var json = JsonSerializer.Serialize(wire, WireJson.Options);
        var completion = ModelReaderWriter.Read<ChatCompletion>(BinaryData.FromString(json), ModelReaderWriterOptions.Json, OpenAIContext.Default)!;

        Assert.Equal("chatcmpl-abc", completion.Id);
        Assert.Equal("gpt-4o", completion.Model);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1_700_000_000), completion.CreatedAt);
        Assert.Equal(ChatMessageRole.Assistant, completion.Role);
        Assert.Equal(response.Text, completion.Content[0].Text);
        Assert.Equal(OpenAI.Chat.ChatFinishReason.Length, completion.FinishReason);
        Assert.Equal(12, completion.Usage.InputTokenCount);
        Assert.Equal(34, completion.Usage.OutputTokenCount);
        Assert.Equal(46, completion.Usage.TotalTokenCount);

        // And back into M.E.AI, as the Orchestrator's IChatClient will see it.
        var back = completion.AsChatResponse();
        Assert.Equal(response.Text, back.Text);
        Assert.Equal(ChatFinishReason.Length, back.FinishReason);
        Assert.Equal(46, back.Usage!.TotalTokenCount);
    }

    [Fact]
    public void Stream_chunks_are_read_by_the_OpenAI_library_as_written()
    {
        StreamingChatCompletionUpdate Read(ChatCompletionChunk chunk) =>
            ModelReaderWriter.Read<StreamingChatCompletionUpdate>(
                BinaryData.FromString(JsonSerializer.Serialize(chunk, WireJson.Options)), ModelReaderWriterOptions.Json, OpenAIContext.Default)!;

        var first = Read(OpenAIMapping.ToContentChunk("chatcmpl-1", 1_700_000_000, "gpt-4o", "Hel", first: true));
        Assert.Equal(ChatMessageRole.Assistant, first.Role);
        Assert.Equal("Hel", first.ContentUpdate[0].Text);
        Assert.Null(first.FinishReason);

        var next = Read(OpenAIMapping.ToContentChunk("chatcmpl-1", 1_700_000_000, "gpt-4o", "lo", first: false));
        Assert.Equal("lo", next.ContentUpdate[0].Text);

        var finish = Read(OpenAIMapping.ToFinishChunk("chatcmpl-1", 1_700_000_000, "gpt-4o", ChatFinishReason.Stop));
        Assert.Equal(OpenAI.Chat.ChatFinishReason.Stop, finish.FinishReason);

        var usage = Read(OpenAIMapping.ToUsageChunk("chatcmpl-1", 1_700_000_000, "gpt-4o", new UsageDetails { InputTokenCount = 5, OutputTokenCount = 7 }));
        Assert.Equal(5, usage.Usage.InputTokenCount);
        Assert.Equal(7, usage.Usage.OutputTokenCount);
        Assert.Equal(12, usage.Usage.TotalTokenCount);
    }

    [Fact]
    public void Finish_reasons_map_to_OpenAI_names()
    {
        Assert.Equal("stop", OpenAIMapping.ToFinishReason(null));
        Assert.Equal("stop", OpenAIMapping.ToFinishReason(ChatFinishReason.Stop));
        Assert.Equal("length", OpenAIMapping.ToFinishReason(ChatFinishReason.Length));
        Assert.Equal("content_filter", OpenAIMapping.ToFinishReason(ChatFinishReason.ContentFilter));
    }
}
