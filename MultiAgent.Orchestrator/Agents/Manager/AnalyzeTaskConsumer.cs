using MassTransit;
using MultiAgent.Contracts;
using MultiAgent.Contracts.Messages;
using MultiAgent.Data;
using MultiAgent.Orchestrator.Agents.Model;

namespace MultiAgent.Orchestrator.Agents.Manager;

/// <summary>Manager, step 1: domain, required capabilities, complexity and constraints of the task.</summary>
public sealed class AnalyzeTaskConsumer(MultiAgentDbContext db, AgentChat chat, ILogger<AnalyzeTaskConsumer> logger)
    : AgentStepConsumer<AnalyzeTask>(db, logger)
{
    public const string Instructions = """
        You are the Manager of a team of AI specialists. Analyse the task you are given:
        - identify its main domain and the keywords that indicate it;
        - list the capabilities needed to solve it, chosen from the capability vocabulary given with the task (the schema
          lists the allowed names), most important first;
        - judge its complexity: simple (one focused question), moderate (several related parts) or complex (many parts, deep analysis);
        - list the constraints and requirements it states or implies.
        Answer only with the JSON object described by the response schema.
        """;

    protected override string StepName => "Task analysis";

    protected override string? AgentTypeFor(AnalyzeTask message) => AgentTypes.Manager;

    protected override async Task ExecuteAsync(ConsumeContext<AnalyzeTask> context)
    {
        var (taskId, round, _) = context.Message;
        var ct = context.CancellationToken;
        var stepKey = $"analysis:{round}";
        var recordId = AgentRecords.InteractionId(taskId, stepKey, InteractionTypes.TaskAnalysis);

        if (await ReadAsync(taskId, [recordId], ct) is not { } read) return;
        if (read.Record(recordId) is { } stored)
        {
            await context.Publish(new TaskAnalyzed(taskId, round, stored.Description ?? "", stored.Timestamp));
            return;
        }

        var vocabulary = AgentRegistry.CapabilityVocabulary;
        var analysis = await chat.AskAsync<TaskAnalysisAnswer>(
            new AgentRequest(read.Task, AgentTypes.Manager, Instructions, $"""
                {AgentRecords.Describe(read.Task)}{read.RevisionNote}

                Capability vocabulary: {string.Join(", ", vocabulary)}
                """, stepKey),
            a => a.RequiredCapabilities.Count == 0 ? "required_capabilities must name at least one capability from the vocabulary."
                : a.RequiredCapabilities.FirstOrDefault(c => !vocabulary.Contains(c)) is { } unknown
                    ? $"'{unknown}' is not in the capability vocabulary; use only: {string.Join(", ", vocabulary)}."
                    : null,
            ct,
            new Dictionary<string, IReadOnlyList<string>> { ["required_capabilities"] = vocabulary });

        var now = DateTime.UtcNow;
        var description = $"Analysed the task: {analysis.Domain} domain, {analysis.Complexity.ToString().ToLowerInvariant()} complexity, " +
                          $"needs {string.Join(", ", analysis.RequiredCapabilities.Take(6))}";
        Db.LogInteraction(stepKey, taskId, AgentTypes.Manager, InteractionTypes.TaskAnalysis, InteractionTypes.TaskAnalysis,
            description, AgentJson.Serialize(analysis));
        await Db.SaveChangesAsync(ct);
        await context.Publish(new TaskAnalyzed(taskId, round, description, now));
    }
}
