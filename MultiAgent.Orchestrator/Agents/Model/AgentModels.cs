using System.ClientModel;
using System.ClientModel.Primitives;
using System.Collections.Concurrent;
using Microsoft.Extensions.AI;
using OpenAI;

namespace MultiAgent.Orchestrator.Agents.Model;

/// <summary>The chat client for a model: the AiGateway in the platform, a scripted client in the workflow's tests.</summary>
public interface IAgentModels
{
    IChatClient For(string model);
}

/// <summary>
/// One <see cref="IChatClient"/> per model name, all speaking the OpenAI protocol to the AiGateway (found by service discovery).
/// The OpenAI client binds the model at construction, hence one client per model.
/// </summary>
public sealed class AgentModels(IHttpClientFactory httpClientFactory, IConfiguration configuration, ILoggerFactory loggerFactory) : IAgentModels
{
    public const string HttpClientName = "aigateway";

    /// <summary>The AiGateway key this service sends as <c>Authorization: Bearer</c> (environment <c>AI__GatewayKey</c>).</summary>
    public const string GatewayKeySetting = "AI:GatewayKey";

    private readonly string _key = RequireGatewayKey(configuration);

    private readonly ConcurrentDictionary<string, IChatClient> _clients = new();

    public IChatClient For(string model) => _clients.GetOrAdd(model, Create);

    private IChatClient Create(string model)
    {
        var baseUrl = configuration["AI:GatewayUrl"] ?? "http://aigateway";
        var options = new OpenAIClientOptions
        {
            Endpoint = new Uri(baseUrl.TrimEnd('/') + "/v1"),
            Transport = new HttpClientPipelineTransport(httpClientFactory.CreateClient(HttpClientName)),
            // Transient failures are retried by the message retry policy (1, 2, 4, 8, 16 s), not again in here.
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
            NetworkTimeout = TimeSpan.FromMinutes(5),
        };

        return new OpenAI.Chat.ChatClient(model, new ApiKeyCredential(_key), options)
            .AsIChatClient()
            .AsBuilder()
            // Prompts and answers are kept out of traces unless AI:Telemetry:RecordContent is set (for debugging only).
            .UseOpenTelemetry(loggerFactory, sourceName: "MultiAgent.Orchestrator.Agents",
                configure: telemetry => telemetry.EnableSensitiveData = configuration.GetValue("AI:Telemetry:RecordContent", false))
            .Build();
    }

    /// <summary>
    /// The configured gateway key, or an <see cref="InvalidOperationException"/> saying how to set it. Called at startup
    /// so a missing key stops the Orchestrator at once instead of failing its first model call.
    /// </summary>
    public static string RequireGatewayKey(IConfiguration configuration) =>
        configuration[GatewayKeySetting] is { Length: > 0 } key && !string.IsNullOrWhiteSpace(key)
            ? key
            : throw new InvalidOperationException(
                $"{GatewayKeySetting} is not set: the Orchestrator needs the AiGateway's API key to call models. Run it through the AppHost " +
                "(which passes its secret parameter 'aigateway-api-key' as AI__GatewayKey), or set AI__GatewayKey to one of the gateway's " +
                "AiGateway:ApiKeys when running it alone.");
}
