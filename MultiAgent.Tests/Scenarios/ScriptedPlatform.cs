using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.RegularExpressions;
using MultiAgent.Orchestrator.Agents;
using MultiAgent.Orchestrator.Agents.Model;
using MultiAgent.Tests.EndToEnd;
using MultiAgent.Tests.Support;
using MultiAgent.Tests.Workflow;

namespace MultiAgent.Tests.Scenarios;

/// <summary>
/// The whole platform with its model steered by the tests: the AiGateway's routes all go to a <see cref="FakeModelServer"/> the
/// fixture starts (an OpenAI-compatible provider, configured through the AppHost like any real one), which answers each call
/// from the script of the task it belongs to (<see cref="Script"/>, found by the task's title in the call's material) with the
/// same <see cref="TaskScript"/> and defaults the in-process workflow tests use. The production gateway knows nothing of this.
/// </summary>
public partial class ScriptedPlatform : PlatformFixture
{
    public const string Provider = "scripted";
    public const string Model = "scripted-model";

    /// <summary>What the scripted model costs: $100 per million tokens each way, so budgets can be reached.</summary>
    public const decimal PricePerMillionTokens = 100m;

    private readonly ConcurrentDictionary<string, TaskScript> _scripts = new(StringComparer.Ordinal);
    private readonly TaskScript _default = new();
    private FakeModelServer? _fake;

    /// <summary>The script of the task with this title (titles are unique per test).</summary>
    public TaskScript Script(string title) => _scripts.GetOrAdd(title, _ => new TaskScript());

    protected override async Task<IReadOnlyList<string>> AppHostArgumentsAsync()
    {
        _fake = await FakeModelServer.StartAsync();
        _fake.DefaultScript = Answer;
        return
        [
            $"--AI:Providers:{Provider}:Type=openai",
            $"--AI:Providers:{Provider}:BaseUrl={_fake.OpenAIBaseUrl(Provider)}",
            $"--AI:Providers:{Provider}:MaxAttempts=1",
            $"--Parameters:ai-{Provider}-api-key=scripted-upstream-key-0123456789",
            $"--AI:Routes:default:0={Provider}/{Model}",
            $"--AI:Prices:{Model}:Input={PricePerMillionTokens}",
            $"--AI:Prices:{Model}:Output={PricePerMillionTokens}",
            "--AI:Cache:Enabled=false",
            // One test makes the provider fail for good; the others share it, so its breaker must not open for them.
            $"--AI:Providers:{Provider}:BreakerFailureThreshold=100000",
        ];
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (_fake is not null) await _fake.DisposeAsync();
    }

    private FakeReply Answer(FakeRequest request)
    {
        var material = string.Join("\n", request.Messages.Where(m => m.Role == "user").Select(m => m.Text));
        var title = TitleRegex().Match(material) is { Success: true } match ? match.Groups[1].Value.Trim() : "";
        var script = _scripts.TryGetValue(title, out var found) ? found : _default;
        var format = request.Body["response_format"]?["json_schema"];
        var step = format?["name"]?.GetValue<string>() ?? "text";
        var schema = format?["schema"] is { } node ? JsonSerializer.Deserialize<JsonElement>(node.ToJsonString()) : (JsonElement?)null;
        var call = new ModelCall(title, AgentOf(step, material), step, request.System ?? request.Messages.FirstOrDefault(m => m.Role == "system")?.Text ?? "",
            material, request.Messages.Count(m => m.Role == "assistant") + 1, schema);
        script.Record(call);

        if (script.FailWith?.Invoke(call) is { } status) return FakeReply.Error(status) with { Delay = script.Latency };
        var text = script.AnswerAsync(call, CancellationToken.None).GetAwaiter().GetResult() ?? AgentJson.Serialize(Defaults.Answer(call, script));
        return FakeReply.Answer(text, promptTokens: Math.Max(1, material.Length / 4), completionTokens: Math.Max(1, text.Length / 4)) with { Delay = script.Latency };
    }

    private static string AgentOf(string step, string material) => step switch
    {
        nameof(SpecialistAnswer) => "agent_" + (SpecialistRegex().Match(material) is { Success: true } m ? m.Groups[1].Value : "generalist"),
        nameof(AggregationAnswer) => "agent_coordinator",
        nameof(SynthesisAnswer) => "agent_analyst",
        _ => "agent_manager",
    };

    [GeneratedRegex(@"Task title: ([^\n]*)")]
    private static partial Regex TitleRegex();

    [GeneratedRegex(@"You are the (\w+) specialist")]
    private static partial Regex SpecialistRegex();
}

[CollectionDefinition(Name)]
public sealed class ScriptedCollection : ICollectionFixture<ScriptedPlatform>, ICollectionFixture<MultiAgent.Tests.Browser.BrowserFixture>
{
    public const string Name = "scripted-platform";
}
