using MassTransit;
using MultiAgent.Contracts;
using MultiAgent.Contracts.Messages;
using MultiAgent.Data;
using MultiAgent.Orchestrator.Agents.Model;
using MultiAgent.Orchestrator.Workflow;

namespace MultiAgent.Orchestrator.Agents.Manager;

/// <summary>Manager, step 1: domain, required capabilities, complexity and constraints of the task.</summary>
public sealed class AnalyzeTaskConsumer(MultiAgentDbContext db, AgentChat chat, ILogger<AnalyzeTaskConsumer> logger)
    : AgentStepConsumer<AnalyzeTask>(db, logger)
{
    public const string Instructions = """
        You are the Manager of a team of AI specialists. Analyse the task you are given:
        - identify its main domain and the keywords that indicate it;
        - list the capabilities needed to solve it, as snake_case names (for example data_analysis, forecasting, market_knowledge);
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

        if (await Db.FindInteractionAsync(stepKey, taskId, InteractionTypes.TaskAnalysis, ct) is null)
        {
            var task = await Db.LoadTaskAsync(taskId, ct);
            var analysis = await chat.AskAsync<TaskAnalysisAnswer>(
                new AgentRequest(taskId, AgentTypes.Manager, Instructions, AgentRecords.Describe(task) + await Db.RevisionNoteAsync(taskId, ct)),
                a => a.RequiredCapabilities.Count == 0 ? "required_capabilities must name at least one capability." : null,
                ct);

            var description = $"Analysed the task: {analysis.Domain} domain, {analysis.Complexity.ToString().ToLowerInvariant()} complexity, " +
                              $"needs {string.Join(", ", analysis.RequiredCapabilities.Take(6))}";
            await Db.LogInteractionAsync(stepKey, taskId, AgentTypes.Manager, InteractionTypes.TaskAnalysis, InteractionTypes.TaskAnalysis,
                description, AgentJson.Serialize(analysis), ct);
            await Db.SaveChangesAsync(ct);
            await context.Publish(TaskEvents.AgentActivity(taskId, AgentTypes.Manager, InteractionTypes.TaskAnalysis, description, DateTime.UtcNow));
        }

        await context.Publish(new TaskAnalyzed(taskId));
    }
}
