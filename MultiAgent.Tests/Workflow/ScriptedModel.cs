using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.AI;
using MultiAgent.Orchestrator.Agents;
using MultiAgent.Orchestrator.Agents.Manager;
using MultiAgent.Orchestrator.Agents.Model;

namespace MultiAgent.Tests.Workflow;

/// <summary>One model call as the script sees it: which task and agent, which step (the answer record's name), the material.</summary>
public sealed record ModelCall(string TaskId, string AgentId, string Step, string Instructions, string Material, int Attempt, JsonElement? Schema)
{
    public string AgentType => AgentId.StartsWith("agent_", StringComparison.Ordinal) ? AgentId["agent_".Length..] : AgentId;

    /// <summary>The values the schema allows for a property (its enum, or its items' enum), wherever the property sits.</summary>
    public IReadOnlyList<string> Allowed(string property) => Schema is { } schema ? FindEnum(schema, property) ?? [] : [];

    private static IReadOnlyList<string>? FindEnum(JsonElement node, string property)
    {
        if (node.ValueKind == JsonValueKind.Object)
        {
            if (node.TryGetProperty("properties", out var properties) && properties.TryGetProperty(property, out var target))
            {
                var holder = target.TryGetProperty("items", out var items) ? items : target;
                if (holder.TryGetProperty("enum", out var values)) return [.. values.EnumerateArray().Select(v => v.GetString()!)];
            }
            foreach (var child in node.EnumerateObject())
            {
                if (FindEnum(child.Value, property) is { } found) return found;
            }
        }
        else if (node.ValueKind == JsonValueKind.Array)
        {
            foreach (var child in node.EnumerateArray())
            {
                if (FindEnum(child, property) is { } found) return found;
            }
        }
        return null;
    }
}

/// <summary>
/// A model for the workflow's tests: every agent step gets a valid answer of its record type (the defaults below), and a test
/// steers single steps of its own task through a <see cref="TaskScript"/>: another answer, a raw (malformed) reply, an
/// exception, or a hold until the test releases it. The Orchestrator's <see cref="IAgentModels"/> in-process; the same
/// answers can be served over the OpenAI protocol for end-to-end tests.
/// </summary>
public sealed class ScriptedModel : IAgentModels, IChatClient
{
    private readonly ConcurrentDictionary<string, TaskScript> _scripts = new();

    /// <summary>The script of one task's model calls.</summary>
    public TaskScript Script(string taskId) => _scripts.GetOrAdd(taskId, _ => new TaskScript());

    public IChatClient For(string model) => this;

    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var list = messages.ToList();
        var context = AgentCallContext.Current ?? throw new InvalidOperationException("A model call outside an agent step.");
        var format = options?.ResponseFormat as ChatResponseFormatJson;
        var call = new ModelCall(
            context.TaskId,
            context.AgentId,
            format?.SchemaName ?? "text",
            list.FirstOrDefault(m => m.Role == ChatRole.System)?.Text ?? "",
            string.Join("\n", list.Where(m => m.Role == ChatRole.User).Select(m => m.Text)),
            list.Count(m => m.Role == ChatRole.Assistant) + 1,
            format?.Schema);

        var script = Script(context.TaskId);
        script.Record(call);
        var text = await script.AnswerAsync(call, cancellationToken) ?? AgentJson.Serialize(Defaults.Answer(call, script));
        return new ChatResponse(new ChatMessage(ChatRole.Assistant, text))
        {
            ModelId = "scripted",
            Usage = new UsageDetails { InputTokenCount = call.Material.Length / 4, OutputTokenCount = text.Length / 4, TotalTokenCount = (call.Material.Length + text.Length) / 4 },
        };
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var response = await GetResponseAsync(messages, options, cancellationToken);
        foreach (var update in response.ToChatResponseUpdates()) yield return update;
    }

    public object? GetService(Type serviceType, object? serviceKey = null) => serviceType.IsInstanceOfType(this) ? this : null;

    public void Dispose()
    {
    }
}

/// <summary>How one task's model calls are answered: per step, the first rule that answers (non-null) wins; else the default.</summary>
public sealed class TaskScript
{
    private readonly List<(string Step, Func<ModelCall, CancellationToken, Task<string?>> Rule)> _rules = [];
    private readonly ConcurrentQueue<ModelCall> _calls = new();
    private readonly List<Func<ModelCall, string?>> _everywhere = [];

    /// <summary>How many subtasks the default plan has (2 to 8).</summary>
    public int Subtasks { get; set; } = 3;

    /// <summary>The default plan's dependencies: <c>none</c> (one phase) or <c>chain</c> (each subtask after the one before).</summary>
    public string Dependencies { get; set; } = "none";

    public IReadOnlyList<ModelCall> Calls => [.. _calls];

    /// <summary>Over HTTP (the scripted upstream): how long each call takes before its answer.</summary>
    public TimeSpan Latency { get; set; }

    /// <summary>Over HTTP (the scripted upstream): an HTTP status to answer instead (e.g. 503), when it gives one.</summary>
    public Func<ModelCall, int?>? FailWith { get; set; }

    internal void Record(ModelCall call) => _calls.Enqueue(call);

    /// <summary>Answers <typeparamref name="T"/> steps with the record <paramref name="answer"/> returns (null: not this rule).</summary>
    public TaskScript On<T>(Func<ModelCall, T?> answer) where T : class
    {
        _rules.Add((typeof(T).Name, (call, _) => Task.FromResult(answer(call) is { } value ? AgentJson.Serialize(value) : null)));
        return this;
    }

    /// <summary>Answers <typeparamref name="T"/> steps with raw text (e.g. malformed JSON), when <paramref name="text"/> gives some.</summary>
    public TaskScript Raw<T>(Func<ModelCall, string?> text) where T : class
    {
        _rules.Add((typeof(T).Name, (call, _) => Task.FromResult(text(call))));
        return this;
    }

    /// <summary>Answers every step with raw text (e.g. malformed JSON), when <paramref name="text"/> gives some.</summary>
    public TaskScript RawEverywhere(Func<ModelCall, string?> text)
    {
        _everywhere.Add(call => text(call));
        return this;
    }

    /// <summary>Throws from <typeparamref name="T"/> steps whenever <paramref name="error"/> gives an exception.</summary>
    public TaskScript Throw<T>(Func<ModelCall, Exception?> error) where T : class
    {
        _rules.Add((typeof(T).Name, (call, _) => error(call) is { } ex ? Task.FromException<string?>(ex) : Task.FromResult<string?>(null)));
        return this;
    }

    /// <summary>Holds every <typeparamref name="T"/> call until the returned gate is released (or the call is cancelled).</summary>
    public Gate Hold<T>() where T : class
    {
        var gate = new Gate();
        _rules.Add((typeof(T).Name, async (call, cancellationToken) =>
        {
            gate.Entered(call);
            await gate.WaitAsync(cancellationToken);
            return null;
        }));
        return gate;
    }

    internal async Task<string?> AnswerAsync(ModelCall call, CancellationToken cancellationToken)
    {
        foreach (var rule in _everywhere.ToList())
        {
            if (rule(call) is { } raw) return raw;
        }
        foreach (var (step, rule) in _rules.ToList())
        {
            if (step != call.Step) continue;
            if (await rule(call, cancellationToken) is { } text) return text;
        }
        return null;
    }

    public sealed class Gate
    {
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource<ModelCall> _entered = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>Completes when the first held call arrives.</summary>
        public Task<ModelCall> Reached => _entered.Task;

        public void Release() => _released.TrySetResult();

        internal void Entered(ModelCall call) => _entered.TrySetResult(call);

        internal Task WaitAsync(CancellationToken cancellationToken) => _released.Task.WaitAsync(cancellationToken);
    }
}

/// <summary>Valid answers for every step, built from the call's material and schema.</summary>
public static class Defaults
{
    public static object Answer(ModelCall call, TaskScript script) => call.Step switch
    {
        nameof(TaskAnalysisAnswer) => Analysis(call),
        nameof(SpecialistSelectionAnswer) => Selection(call),
        nameof(DecompositionAnswer) => Plan(call, script.Subtasks, script.Dependencies),
        nameof(SpecialistAnswer) => new SpecialistAnswer(
            $"Solution by the {call.AgentType} specialist. {Excerpt(call.Material)}",
            ["A first finding", "A second finding"], 0.8, ["Example Industry Report 2025", "https://example.org/data"], "Reasoned from the material."),
        nameof(SolutionReviewAnswer) => Review(8),
        nameof(AggregationAnswer) => new AggregationAnswer(
            [new Finding("Main theme", ["A point"], [call.AgentType], 0.8)], [], [], []),
        nameof(SynthesisAnswer) => new SynthesisAnswer("The executive summary.", [new ReportSection("Analysis", "The analysis.")], ["An insight"],
            ["A recommendation"], [new EvidencePoint("A point", "Evidence.", ["data_researcher"], 0.8)], ["A limitation"], 0.82),
        nameof(FinalReviewAnswer) => new FinalReviewAnswer(true, 8.5, "Complete and consistent.", []),
        _ => throw new InvalidOperationException($"The scripted model has no default answer for {call.Step}."),
    };

    public static SolutionReviewAnswer Review(double score, string? recommendation = null) => new(
        new ReviewScores(score, score, score, score), ["Clear"], score >= 7 ? [] : ["Too thin"],
        recommendation ?? (score >= 7 ? "ACCEPT" : score >= 5 ? "NEEDS_REVISION" : "REJECT"),
        score >= 7 ? "Good work." : "Needs more depth.", score >= 7 ? [] : ["Add evidence for every claim"]);

    public static TaskAnalysisAnswer Analysis(ModelCall call, IReadOnlyList<string>? capabilities = null)
    {
        var allowed = call.Allowed("required_capabilities");
        var wanted = capabilities ?? ["research", "data_analysis", "writing"];
        return new TaskAnalysisAnswer("testing", "What the task asks for.", [.. wanted.Where(c => allowed.Count == 0 || allowed.Contains(c))],
            Complexity.Moderate, ["Be thorough"], ["test"]);
    }

    public static SpecialistSelectionAnswer Selection(ModelCall call, IReadOnlyList<string>? types = null)
    {
        var allowed = call.Allowed("type");
        var wanted = (types ?? ["data_researcher", "data_scientist", "technical_writer"]).Where(t => allowed.Count == 0 || allowed.Contains(t)).ToList();
        return new SpecialistSelectionAnswer([.. wanted.Select((type, i) =>
            new SpecialistProposal(type, Math.Round(0.9 - 0.1 * i, 2), $"The {type} covers part of the task.", "high", [$"aspect {i + 1}"]))]);
    }

    public static DecompositionAnswer Plan(ModelCall call, int count, string dependencies)
    {
        var specialists = call.Allowed("assigned_specialist");
        return new DecompositionAnswer([.. Enumerable.Range(1, count).Select(i => new PlannedSubtask(
            $"st{i}",
            $"Subtask st{i}",
            $"Do part {i} of the task.",
            specialists.Count == 0 ? "generalist" : specialists[(i - 1) % specialists.Count],
            $"Deliverable {i}",
            dependencies == "chain" && i > 1 ? [$"st{i - 1}"] : [],
            "medium",
            Complexity.Moderate,
            null))]);
    }

    private static string Excerpt(string material)
    {
        var start = material.IndexOf("Your subtask:", StringComparison.Ordinal);
        return start < 0 ? "" : material[start..Math.Min(material.Length, start + 80)].ReplaceLineEndings(" ");
    }
}
