using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.AI;
using MultiAgent.AiGateway.Providers;
using MultiAgent.AiGateway.Simulated;
using MultiAgent.Orchestrator.Agents;
using MultiAgent.Orchestrator.Agents.Manager;
using MultiAgent.Orchestrator.Agents.Model;

namespace MultiAgent.Benchmarks;

/// <summary>
/// The per-step work that is ours rather than the model's: the simulated model filling a schema (what every test and
/// local run waits on), parsing an answer back into its record, and planning phases from a dependency graph.
/// </summary>
[MemoryDiagnoser]
public class AgentStepBenchmarks
{
    private List<ChatMessage> _messages = null!;
    private ChatOptions _decomposition = null!;
    private ChatOptions _synthesis = null!;
    private string _synthesisJson = null!;
    private GraphNode[] _graph = null!;
    private readonly SimulatedModelOptions _settings = new();

    [GlobalSetup]
    public void Setup()
    {
        _messages =
        [
            new(ChatRole.System, DecomposeTaskConsumer.Instructions),
            new(ChatRole.User, "<<<MATERIAL\nTask title: Launch plan\nTask description:\n" +
                "Create a launch plan for a budget smartphone in Europe, with channels, pricing and a budget.\nMATERIAL>>>"),
        ];
        _decomposition = new ChatOptions { ResponseFormat = AgentJson.ResponseFormatFor<DecompositionAnswer>(
            new Dictionary<string, IReadOnlyList<string>> { ["assigned_specialist"] = ["market_researcher", "marketing_specialist", "financial_analyst"] }) };
        _synthesis = new ChatOptions { ResponseFormat = AgentJson.ResponseFormatFor<SynthesisAnswer>() };
        _synthesisJson = SimulatedChatClient.Answer(_messages, _synthesis, _settings).Text;
        _graph = Enumerable.Range(1, 8)
            .Select(i => new GraphNode($"st{i}", "developer", i <= 3 ? [] : [$"st{i - 3}", $"st{i - 1}"], i == 3 ? "st8" : null))
            .ToArray();
    }

    [Benchmark]
    public string SimulatedDecomposition() => SimulatedChatClient.Answer(_messages, _decomposition, _settings).Text;

    [Benchmark]
    public string SimulatedSynthesis() => SimulatedChatClient.Answer(_messages, _synthesis, _settings).Text;

    [Benchmark]
    public SynthesisAnswer? ParseSynthesis() => AgentJson.TryParse<SynthesisAnswer>(_synthesisJson, out var answer, out _) ? answer : null;

    [Benchmark]
    public int ValidateAndLayerPlan() => TaskGraph.Validate(_graph, ["developer"]).Count + TaskGraph.Phases(_graph).Count;
}
