using System.ClientModel;
using System.ClientModel.Primitives;
using System.Collections.Concurrent;
using Microsoft.Extensions.AI;
using OpenAI;

namespace MultiAgent.Orchestrator.Agents.Model;

/// <summary>
/// One <see cref="IChatClient"/> per model name, all speaking the OpenAI protocol to the AiGateway (found by service discovery).
/// The OpenAI client binds the model at construction, hence one client per model.
/// </summary>
public sealed class AgentModels(IHttpClientFactory httpClientFactory, IConfiguration configuration, ILoggerFactory loggerFactory)
{
    public const string HttpClientName = "aigateway";

    private readonly ConcurrentDictionary<string, IChatClient> _clients = new();

    public IChatClient For(string model) => _clients.GetOrAdd(model, Create);

    private IChatClient Create(string model)
    {
        var baseUrl = configuration["AI:GatewayUrl"] ?? "http://aigateway";
        var key = configuration["AI:GatewayKey"] is { Length: > 0 } k ? k : "multiagent-internal";
        var options = new OpenAIClientOptions
        {
            Endpoint = new Uri(baseUrl.TrimEnd('/') + "/v1"),
            Transport = new HttpClientPipelineTransport(httpClientFactory.CreateClient(HttpClientName)),
            // Transient failures are retried by the message retry policy (1, 2, 4, 8, 16 s), not again in here.
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
            NetworkTimeout = TimeSpan.FromMinutes(5),
        };

        return new OpenAI.Chat.ChatClient(model, new ApiKeyCredential(key), options)
            .AsIChatClient()
            .AsBuilder()
            .UseOpenTelemetry(loggerFactory, sourceName: "MultiAgent.Orchestrator.Agents")
            .Build();
    }
}
