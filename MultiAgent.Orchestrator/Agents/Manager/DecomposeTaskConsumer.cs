using System.Text.Json;
using MassTransit;
using MultiAgent.Contracts;
using MultiAgent.Contracts.Messages;
using MultiAgent.Data;
using MultiAgent.Data.Entities;
using MultiAgent.Orchestrator.Agents.Model;
using MultiAgent.Orchestrator.Workflow;

namespace MultiAgent.Orchestrator.Agents.Manager;

/// <summary>
/// Manager, step 3: subtasks with deliverables and dependencies. The graph is validated in code and an invalid one is sent
/// back to the model with the reasons; execution phases are computed from the graph, never taken from the model.
/// </summary>
public sealed class DecomposeTaskConsumer(MultiAgentDbContext db, AgentChat chat, ILogger<DecomposeTaskConsumer> logger)
    : AgentStepConsumer<DecomposeTask>(db, logger)
{
    public const string Instructions = """
        You are the Manager of a team of AI specialists. Decompose the task into specific subtasks for the selected specialists.
        For each subtask give a short unique subtask_id (st1, st2, ...), a title, a detailed description, the assigned specialist
        (one of the selected specialist types), the expected deliverable, its dependencies (the subtask_id values that must be
        finished first), a priority (high, medium or low), a complexity (simple, moderate or complex), and — when a complex
        subtask is broken down further — the parent_subtask_id of the subtask it refines (null otherwise; a parent runs after
        its parts and integrates them).
        Use between 2 and 8 subtasks, give every selected specialist at least one, keep subtasks independent where possible
        so they can run in parallel, and never create circular dependencies.
        Answer only with the JSON object described by the response schema.
        """;

    public sealed record DecompositionRecord(IReadOnlyList<IReadOnlyList<string>> Phases, IReadOnlyDictionary<string, string> Specialists, DecompositionAnswer Plan);

    public sealed record SubtaskRequirements(
        string PlanId, string SpecialistType, string Deliverable, IReadOnlyList<string> Dependencies, string Priority, string Complexity, int Phase,
        IReadOnlyList<string> FocusAreas, int PlanRound = 1);

    protected override string StepName => "Task decomposition";

    protected override string? AgentTypeFor(DecomposeTask message) => AgentTypes.Manager;

    protected override async Task ExecuteAsync(ConsumeContext<DecomposeTask> context)
    {
        var (taskId, round) = context.Message;
        var ct = context.CancellationToken;
        var stepKey = $"decomposition:{round}";

        if (await Db.StoredRecordAsync<DecompositionRecord>(stepKey, taskId, InteractionTypes.SubtaskCreation, ct) is { } record)
        {
            await context.Publish(new TaskDecomposed(taskId, record.Phases, record.Specialists));
            return;
        }

        var task = await Db.LoadTaskAsync(taskId, ct);
        var selectionJson = await Db.LatestMetadataAsync(taskId, InteractionTypes.SpecialistSelection, ct)
            ?? throw new InvalidOperationException("The specialist selection is missing.");
        var selection = JsonSerializer.Deserialize<SelectSpecialistsConsumer.SelectionRecord>(selectionJson, AgentJson.Options)!;
        var allowed = selection.Selected.Select(s => s.Type).ToList();

        var material = $"""
            {AgentRecords.Describe(task)}

            Selected specialists (type: capabilities — focus areas):
            {string.Join("\n", selection.Selected.Select(s =>
                $"- {s.Type}: {string.Join(", ", AgentRegistry.Find(s.Type)?.Capabilities ?? [])} — {string.Join(", ", s.FocusAreas)}"))}
            """;

        var plan = await chat.AskAsync<DecompositionAnswer>(
            new AgentRequest(taskId, AgentTypes.Manager, Instructions, material),
            p =>
            {
                var problems = TaskGraph.Validate(ToGraph(p), allowed);
                return problems.Count == 0 ? null : "the dependency graph is invalid: " + string.Join(" ", problems);
            },
            ct,
            new Dictionary<string, IReadOnlyList<string>> { ["assigned_specialist"] = allowed });

        var graph = ToGraph(plan);
        var planPhases = TaskGraph.Phases(graph);
        var effective = TaskGraph.WithParents(graph).ToDictionary(n => n.Id, n => n.Dependencies);
        var idMap = plan.Subtasks.ToDictionary(s => s.SubtaskId, s => Ids.Deterministic(Ids.SubtaskPrefix, $"{taskId}:{round}:{s.SubtaskId}"));
        var phaseOf = planPhases.SelectMany((phase, index) => phase.Select(id => (id, index))).ToDictionary(x => x.id, x => x.index + 1);
        var now = DateTime.UtcNow;

        foreach (var subtask in plan.Subtasks)
        {
            var requirements = new SubtaskRequirements(subtask.SubtaskId, subtask.AssignedSpecialist, subtask.Deliverable,
                effective[subtask.SubtaskId].Select(d => idMap[d]).ToList(), subtask.Priority, subtask.Complexity.ToString().ToLowerInvariant(),
                phaseOf[subtask.SubtaskId], selection.Selected.FirstOrDefault(s => s.Type == subtask.AssignedSpecialist)?.FocusAreas ?? [], round);
            Db.Subtasks.Add(new SubtaskEntity
            {
                SubtaskId = idMap[subtask.SubtaskId],
                TaskId = taskId,
                ParentSubtaskId = subtask.ParentSubtaskId is { } parent ? idMap[parent] : null,
                AssignedAgentId = AgentTypes.AgentId(subtask.AssignedSpecialist),
                Title = Truncate(subtask.Title, 500),
                Description = subtask.Description,
                Requirements = AgentJson.Serialize(requirements),
                Status = SubtaskStatuses.Assigned,
                Priority = Priorities.Rank(subtask.Priority.ToLowerInvariant()),
                CreatedAt = now,
                UpdatedAt = now,
            });
            await Db.LogInteractionAsync($"{stepKey}:{subtask.SubtaskId}", taskId, AgentTypes.Manager, InteractionTypes.SubtaskAssignment,
                InteractionTypes.SubtaskAssignment, $"Assigned \"{subtask.Title}\" to {subtask.AssignedSpecialist} (phase {phaseOf[subtask.SubtaskId]})",
                null, ct);
        }

        var phases = planPhases.Select(p => (IReadOnlyList<string>)p.Select(id => idMap[id]).ToList()).ToList();
        var specialists = plan.Subtasks.ToDictionary(s => idMap[s.SubtaskId], s => s.AssignedSpecialist);
        var description = $"Created {plan.Subtasks.Count} subtasks in {phases.Count} phase(s)";
        await Db.LogInteractionAsync(stepKey, taskId, AgentTypes.Manager, InteractionTypes.SubtaskCreation, InteractionTypes.SubtaskCreation,
            description, AgentJson.Serialize(new DecompositionRecord(phases, specialists, plan)), ct);
        await Db.SaveChangesAsync(ct);

        await context.Publish(TaskEvents.AgentActivity(taskId, AgentTypes.Manager, InteractionTypes.SubtaskCreation, description, now));
        await context.Publish(new TaskDecomposed(taskId, phases, specialists));
    }

    private static List<GraphNode> ToGraph(DecompositionAnswer plan) =>
        plan.Subtasks.Select(s => new GraphNode(s.SubtaskId, s.AssignedSpecialist, s.Dependencies, s.ParentSubtaskId)).ToList();

    private static string Truncate(string value, int length) => value.Length <= length ? value : value[..length];
}
