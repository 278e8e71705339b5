using System.Text.Json;
using Json.Schema;
using Microsoft.Extensions.AI;
using MultiAgent.AiGateway.Providers;
using MultiAgent.AiGateway.Simulated;

namespace MultiAgent.Tests.AiGateway;

/// <summary>Asks the simulated model directly (no HTTP) and validates answers with JsonSchema.Net.</summary>
internal static class SimulatedModelHarness
{
    public const string SystemPrompt = "You are a careful analyst. Answer in the requested format.";

    public static readonly string[] Prompts =
    [
        "Analyze this task: build a market entry strategy for electric bikes in Germany, covering pricing, channels and regulation.",
        "Review the security of our payment API: token storage, rate limiting, audit logging and incident response.",
        "Écrivez un plan de lancement pour une application mobile de covoiturage à Lyon, avec budget et calendrier.",
        "Summarise the quarterly revenue trends of a SaaS company with 40% growth and rising churn in the SMB segment.",
        "x",
    ];

    public static SimulatedChatClient Client() => new(new SimulatedModelOptions());

    public static List<ChatMessage> Messages(string prompt) =>
        [new ChatMessage(ChatRole.System, SystemPrompt), new ChatMessage(ChatRole.User, prompt)];

    public static ChatOptions JsonSchemaOptions(JsonElement schema, string model = "gpt-4o", float? temperature = null, long? seed = null) =>
        new()
        {
            ModelId = model,
            ResponseFormat = ChatResponseFormat.ForJsonSchema(schema, "answer"),
            Temperature = temperature,
            Seed = seed,
        };

    public static async Task<string> AskJsonAsync(JsonElement schema, string prompt, string model = "gpt-4o", float? temperature = null, long? seed = null)
    {
        var response = await Client().GetResponseAsync(
            Messages(prompt), JsonSchemaOptions(schema, model, temperature, seed), TestContext.Current.CancellationToken);
        return response.Text;
    }

    public static JsonElement Schema(string json) => JsonSerializer.Deserialize<JsonElement>(json);

    public static EvaluationResults Validate(JsonElement schema, string instanceJson)
    {
        var compiled = JsonSchema.FromText(schema.GetRawText());
        using var instance = JsonDocument.Parse(instanceJson);
        return compiled.Evaluate(instance.RootElement, new EvaluationOptions
        {
            OutputFormat = OutputFormat.List,
            RequireFormatValidation = true,
        });
    }

    public static string Describe(EvaluationResults results) =>
        string.Join("; ", (results.Details ?? []).Where(d => d.Errors is { Count: > 0 })
            .Select(d => $"{d.InstanceLocation}: {string.Join(", ", d.Errors!.Values)}"));

    public static void AssertValid(JsonElement schema, string answer)
    {
        var results = Validate(schema, answer);
        Assert.True(results.IsValid, $"Answer does not validate: {Describe(results)}\nAnswer: {answer}\nSchema: {schema.GetRawText()}");
    }
}
