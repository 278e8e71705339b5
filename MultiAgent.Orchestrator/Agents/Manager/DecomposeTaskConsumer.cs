using MassTransit;
using MultiAgent.Contracts;
using MultiAgent.Contracts.Messages;
using MultiAgent.Data;
using MultiAgent.Data.Entities;
using MultiAgent.Orchestrator.Agents.Model;

namespace MultiAgent.Orchestrator.Agents.Manager;

/// <summary>
/// Manager, step 3: subtasks with deliverables and dependencies. The graph is validated in code and an invalid one is sent
/// back to the model with the reasons; execution phases are computed from the graph, never taken from the model. The step
/// stores the plan (the subtasks rows); their execution state is the workflow's from then on.
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

    /// <summary>What the step stored: the plan as the workflow received it, and the manager's answer.</summary>
    public sealed record DecompositionRecord(IReadOnlyList<SubtaskPlan> Subtasks, DecompositionAnswer Plan);

    protected override string StepName => "Task decomposition";

    protected override string? AgentTypeFor(DecomposeTask message) => AgentTypes.Manager;

    protected override async Task ExecuteAsync(ConsumeContext<DecomposeTask> context)
    {
        var (taskId, round) = context.Message;
        var ct = context.CancellationToken;
        var stepKey = $"decomposition:{round}";
        var recordId = AgentRecords.InteractionId(taskId, stepKey, InteractionTypes.SubtaskCreation);
        var selectionId = AgentRecords.InteractionId(taskId, $"selection:{round}", InteractionTypes.SpecialistSelection);

        if (await ReadAsync(taskId, [recordId, selectionId], ct) is not { } read) return;
        if (read.Record(recordId) is { } stored)
        {
            var record = read.Metadata<DecompositionRecord>(recordId)!;
            await context.Publish(new TaskDecomposed(taskId, round, record.Subtasks, stored.Description ?? "", stored.Timestamp));
            return;
        }

        var selection = read.Metadata<SelectSpecialistsConsumer.SelectionRecord>(selectionId)
                        ?? throw new InvalidOperationException("The specialist selection is missing.");
        var allowed = selection.Selected.Select(s => s.Type).ToList();

        var material = $"""
            {AgentRecords.Describe(read.Task)}{read.RevisionNote}

            Selected specialists (type: capabilities — focus areas):
            {string.Join("\n", selection.Selected.Select(s =>
                $"- {s.Type}: {string.Join(", ", AgentRegistry.Find(s.Type)?.Capabilities ?? [])} — {string.Join(", ", s.FocusAreas)}"))}
            """;

        var plan = await chat.AskAsync<DecompositionAnswer>(
            new AgentRequest(read.Task, AgentTypes.Manager, Instructions, material, stepKey),
            p =>
            {
                if (p.Subtasks.Count is < 2 or > 8) return $"the plan has {p.Subtasks.Count} subtasks; use between 2 and 8.";
                var problems = TaskGraph.Validate(ToGraph(p), allowed);
                return problems.Count == 0 ? null : "the dependency graph is invalid: " + string.Join(" ", problems);
            },
            ct,
            new Dictionary<string, IReadOnlyList<string>> { ["assigned_specialist"] = allowed });

        var graph = ToGraph(plan);
        var effective = TaskGraph.WithParents(graph).ToDictionary(n => n.Id, n => n.Dependencies);
        var idMap = plan.Subtasks.ToDictionary(s => s.SubtaskId, s => Ids.Deterministic(Ids.SubtaskPrefix, $"{taskId}:{round}:{s.SubtaskId}"));
        var phaseOf = TaskGraph.Phases(graph).SelectMany((phase, index) => phase.Select(id => (id, index))).ToDictionary(x => x.id, x => x.index + 1);
        var now = DateTime.UtcNow;

        var planned = new List<SubtaskPlan>();
        foreach (var (subtask, position) in plan.Subtasks.Select((s, i) => (s, i)))
        {
            var id = idMap[subtask.SubtaskId];
            var dependencies = effective[subtask.SubtaskId].Select(d => idMap[d]).ToList();
            var parent = subtask.ParentSubtaskId is { } p ? idMap[p] : null;
            var title = Truncate(subtask.Title, 500);
            Db.Subtasks.Add(new SubtaskEntity
            {
                SubtaskId = id,
                TaskId = taskId,
                ParentSubtaskId = parent,
                Title = title,
                Description = subtask.Description,
                Requirements = new SubtaskRequirements(subtask.SubtaskId, subtask.Deliverable, subtask.Priority.ToLowerInvariant(),
                    subtask.Complexity.ToString().ToLowerInvariant(),
                    selection.Selected.FirstOrDefault(s => s.Type == subtask.AssignedSpecialist)?.FocusAreas ?? []),
                Priority = Priorities.Rank(subtask.Priority.ToLowerInvariant()),
                PlanRound = round,
                Phase = phaseOf[subtask.SubtaskId],
                Dependencies = dependencies,
                Status = SubtaskStatus.Assigned,
                SpecialistType = subtask.AssignedSpecialist,
                AssignedAgentId = AgentTypes.AgentId(subtask.AssignedSpecialist),
                // One microsecond apart: creation order is the plan's order, which readers sort by.
                CreatedAt = now.AddTicks(10 * position),
                UpdatedAt = now,
            });
            Db.LogInteraction($"{stepKey}:{subtask.SubtaskId}", taskId, AgentTypes.Manager, InteractionTypes.SubtaskAssignment,
                InteractionTypes.SubtaskAssignment, $"Assigned \"{title}\" to {subtask.AssignedSpecialist} (phase {phaseOf[subtask.SubtaskId]})", null);
            planned.Add(new SubtaskPlan(id, title, subtask.Description, subtask.AssignedSpecialist, phaseOf[subtask.SubtaskId], dependencies, parent));
        }

        var phases = phaseOf.Values.Distinct().Count();
        var description = $"Created {Plural(plan.Subtasks.Count, "subtask")} in {Plural(phases, "phase")}";
        Db.LogInteraction(stepKey, taskId, AgentTypes.Manager, InteractionTypes.SubtaskCreation, InteractionTypes.SubtaskCreation,
            description, AgentJson.Serialize(new DecompositionRecord(planned, plan)));
        await Db.SaveChangesAsync(ct);
        await context.Publish(new TaskDecomposed(taskId, round, planned, description, now));
    }

    private static List<GraphNode> ToGraph(DecompositionAnswer plan) =>
        plan.Subtasks.Select(s => new GraphNode(s.SubtaskId, s.AssignedSpecialist, s.Dependencies, s.ParentSubtaskId)).ToList();

    private static string Truncate(string value, int length) => value.Length <= length ? value : value[..length];

    internal static string Plural(int count, string noun) => count == 1 ? $"1 {noun}" : $"{count} {noun}s";
}
