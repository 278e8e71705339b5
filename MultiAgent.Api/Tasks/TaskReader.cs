using System.Linq.Expressions;
using Microsoft.EntityFrameworkCore;
using MultiAgent.Api.Agents;
using MultiAgent.Contracts;
using MultiAgent.Contracts.Api;
using MultiAgent.Contracts.Validation;
using MultiAgent.Data;
using MultiAgent.Data.Entities;

namespace MultiAgent.Api.Tasks;

/// <summary>
/// The read side of the tasks endpoints: the rows the workflow writes, read through the same typed entities. Every query is
/// scoped to its owner (a null owner: any user, for admins): another user's task does not exist.
/// </summary>
public sealed class TaskReader(MultiAgentDbContext db, AgentStatusReader agentStatus, TaskResults results, Usage.GatewayUsageClient usageClient, ILogger<TaskReader> logger)
{
    public async Task<TaskDetails?> GetDetailsAsync(string taskId, string? ownerId, CancellationToken cancellationToken)
    {
        var task = await db.Tasks.AsNoTracking().FirstOrDefaultAsync(t => t.TaskId == taskId && (ownerId == null || t.UserId == ownerId), cancellationToken);
        if (task is null)
        {
            return null;
        }

        // A full-task revision plans the task again: the earlier plan's subtasks stay stored as history, the task shows its latest plan.
        var subtasks = await db.Subtasks.AsNoTracking()
            .Where(s => s.TaskId == taskId && s.PlanRound == db.Subtasks.Where(x => x.TaskId == taskId).Max(x => x.PlanRound))
            .OrderBy(s => s.Phase).ThenBy(s => s.CreatedAt).ThenBy(s => s.SubtaskId)
            .ToListAsync(cancellationToken);
        var subtaskIds = subtasks.Select(s => s.SubtaskId).ToList();
        var versions = subtaskIds.Count == 0
            ? []
            : await db.Solutions.AsNoTracking()
                .Where(s => subtaskIds.Contains(s.SubtaskId!))
                .GroupBy(s => s.SubtaskId!)
                .Select(g => new { SubtaskId = g.Key, Count = g.Count() })
                .ToDictionaryAsync(x => x.SubtaskId, x => x.Count, cancellationToken);
        var interactionAgents = await db.Interactions.AsNoTracking()
            .Where(i => i.TaskId == taskId && i.AgentId != null)
            .GroupBy(i => i.AgentId!)
            .Select(g => new { AgentId = g.Key, First = g.Min(i => i.Timestamp) })
            .ToListAsync(cancellationToken);

        var agentIds = interactionAgents.OrderBy(a => a.First).Select(a => a.AgentId)
            .Concat(subtasks.Where(s => s.AssignedAgentId != null).Select(s => s.AssignedAgentId!))
            .Distinct()
            .ToList();
        var agents = await DescribeAgentsAsync(agentIds, cancellationToken);

        var usage = await GetUsageAsync(taskId, cancellationToken);
        var result = task.Status == TaskStatus.Completed
            ? (await results.GetCompletedAsync(taskId, task.CompletedAt, cancellationToken)).Result
            : null;

        return new TaskDetails(
            task.TaskId,
            task.UserId,
            task.Title,
            task.Description,
            task.Priority,
            task.Status,
            task.Progress,
            task.CurrentStage,
            TaskJson.Parse(task.Context),
            Utc.ToOffset(task.CreatedAt),
            Utc.ToOffset(task.UpdatedAt),
            Utc.ToOffset(task.CompletedAt),
            Utc.ToOffset(task.EstimatedCompletion),
            task.ErrorMessage,
            task.StoppedAtStage,
            task.EventSequence,
            task.BudgetUsd,
            task.SelectedSpecialists,
            agents.Select(a => new AssignedAgent(a.AgentId, a.Type, a.LiveStatus)).ToList(),
            subtasks.Select(s => ToSummary(s, versions.GetValueOrDefault(s.SubtaskId))).ToList(),
            usage,
            result);
    }

    /// <summary>A user's own tasks (their user_id filter is ignored); an admin's list is every user's, or user_id's.</summary>
    public async Task<TaskListResponse> ListAsync(TaskListCriteria criteria, string userId, bool isAdmin, CancellationToken cancellationToken)
    {
        var owner = isAdmin ? criteria.UserId : userId;
        var query = db.Tasks.AsNoTracking();
        if (owner is not null)
        {
            query = query.Where(t => t.UserId == owner);
        }
        if (criteria.Statuses is { } statuses)
        {
            query = query.Where(t => statuses.Contains(t.Status));
        }
        query = TaskListSearch.TitleContains(query, criteria.Search);

        var total = await query.CountAsync(cancellationToken);
        var offset = Paging.Offset(criteria.Page, criteria.Limit);
        IReadOnlyList<TaskSummary> tasks = [];
        if (offset < total)
        {
            tasks = await Sort(query, criteria)
                .Skip((int)offset)
                .Take(criteria.Limit)
                .Select(t => new TaskSummary(t.TaskId, t.UserId, t.Title, t.Priority, t.Status, t.Progress, t.CurrentStage,
                    new DateTimeOffset(t.CreatedAt), new DateTimeOffset(t.UpdatedAt),
                    t.CompletedAt == null ? null : new DateTimeOffset(t.CompletedAt.Value), t.EventSequence, null, null))
                .ToListAsync(cancellationToken);
            tasks = await WithCostAsync(tasks, cancellationToken);
        }

        return new TaskListResponse(tasks, new Pagination(criteria.Page, criteria.Limit, total, Paging.Pages(total, criteria.Limit)));
    }

    public async Task<TaskAgentsResponse?> GetAgentsAsync(string taskId, string? ownerId, CancellationToken cancellationToken)
    {
        var task = await db.Tasks.AsNoTracking()
            .Where(t => t.TaskId == taskId && (ownerId == null || t.UserId == ownerId))
            .Select(t => new { t.Status, t.CurrentStage })
            .FirstOrDefaultAsync(cancellationToken);
        if (task is null)
        {
            return null;
        }

        var interactions = await db.Interactions.AsNoTracking()
            .Where(i => i.TaskId == taskId && i.AgentId != null)
            .OrderBy(i => i.Timestamp)
            .ThenBy(i => i.InteractionId)
            .Select(i => new { AgentId = i.AgentId!, i.Timestamp, i.Action, i.Description })
            .ToListAsync(cancellationToken);
        var subtasks = await db.Subtasks.AsNoTracking()
            .Where(s => s.TaskId == taskId && s.AssignedAgentId != null
                        && s.PlanRound == db.Subtasks.Where(x => x.TaskId == taskId).Max(x => x.PlanRound))
            .Select(s => new { AgentId = s.AssignedAgentId!, s.Title, s.Status, s.CreatedAt, s.UpdatedAt })
            .ToListAsync(cancellationToken);

        var agentIds = interactions.Select(i => i.AgentId)
            .Concat(subtasks.OrderBy(s => s.CreatedAt).Select(s => s.AgentId))
            .Distinct()
            .ToList();
        var agents = await DescribeAgentsAsync(agentIds, cancellationToken);

        var result = agents.Select(agent =>
        {
            var own = subtasks.Where(s => s.AgentId == agent.AgentId).OrderByDescending(s => s.UpdatedAt).ToList();
            var working = own.FirstOrDefault(s => s.Status is SubtaskStatus.InProgress);
            var waiting = own.Any(s => s.Status is SubtaskStatus.Pending or SubtaskStatus.Assigned or SubtaskStatus.NeedsRevision or SubtaskStatus.InReview);

            // Agents are shared across tasks, so "working" means working on this task (its stage or its subtask), not merely
            // busy elsewhere. A task that stopped stopped its agents too.
            var status = task.Status switch
            {
                TaskStatus.Cancelled => "cancelled",
                TaskStatus.Failed => "stopped",
                TaskStatus.Completed => "completed",
                _ when working is not null || WorksIn(agent.Type, task.CurrentStage) => "working",
                _ when waiting => "idle",
                _ => "completed",
            };

            int? progress = own.Count == 0 ? null : own.Count(s => s.Status == SubtaskStatus.Completed) * 100 / own.Count;
            var activities = interactions
                .Where(i => i.AgentId == agent.AgentId)
                .Select(i => new AgentActivity(Utc.ToOffset(i.Timestamp), i.Action, i.Description))
                .ToList();

            return new TaskAgent(agent.AgentId, agent.Type, status, (working ?? own.FirstOrDefault())?.Title, progress, activities);
        }).ToList();

        return new TaskAgentsResponse(taskId, result);
    }

    /// <summary>The agent whose step the stage is.</summary>
    private static bool WorksIn(string agentType, TaskStage stage) => (agentType, stage) switch
    {
        (AgentTypes.Manager, TaskStage.TaskAnalysis or TaskStage.SpecialistSelection or TaskStage.TaskDecomposition or TaskStage.ManagerReview
            or TaskStage.ManagerFinalReview or TaskStage.RevisionPlanning) => true,
        (AgentTypes.Coordinator, TaskStage.Coordination) => true,
        (AgentTypes.Analyst, TaskStage.Synthesis) => true,
        _ => false,
    };

    private sealed record AgentInfo(string AgentId, string Type, string LiveStatus, string? CurrentTaskId);

    private async Task<IReadOnlyList<AgentInfo>> DescribeAgentsAsync(IReadOnlyList<string> agentIds, CancellationToken cancellationToken)
    {
        if (agentIds.Count == 0)
        {
            return [];
        }

        var rows = await db.Agents.AsNoTracking()
            .Where(a => agentIds.Contains(a.AgentId))
            .Select(a => new { a.AgentId, a.AgentType, a.Status, a.CurrentTaskId })
            .ToDictionaryAsync(a => a.AgentId, cancellationToken);
        var live = await agentStatus.GetAsync(agentIds
            .Select(id => (id, rows.TryGetValue(id, out var row) ? row.Status : AgentStatusReader.Idle))
            .ToList());

        return agentIds.Select(id => new AgentInfo(
            id,
            rows.TryGetValue(id, out var row) ? row.AgentType : AgentTypes.TypeOf(id),
            live[id],
            row?.CurrentTaskId)).ToList();
    }

    // One call to the gateway for the whole page; without it the list still loads, with no cost to show.
    private async Task<IReadOnlyList<TaskSummary>> WithCostAsync(IReadOnlyList<TaskSummary> tasks, CancellationToken cancellationToken)
    {
        try
        {
            var usage = (await usageClient.GetTasksAsync([.. tasks.Select(t => t.TaskId)], cancellationToken)).ToDictionary(u => u.TaskId);
            return [.. tasks.Select(t => usage.TryGetValue(t.TaskId, out var u) ? t with { CostUsd = u.Totals.CostUsd, TotalTokens = u.Totals.TotalTokens } : t)];
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException)
        {
            logger.LogWarning(ex, "The cost of {Count} listed tasks could not be read from the AI gateway; listing them without", tasks.Count);
            return tasks;
        }
    }

    // The AiGateway owns the usage ledger; details still load (with zero usage) when it cannot be reached.
    private async Task<TaskUsage> GetUsageAsync(string taskId, CancellationToken cancellationToken)
    {
        try
        {
            var usage = await usageClient.GetTaskAsync(taskId, cancellationToken);
            var t = usage.Totals;
            return new TaskUsage((int)t.InputTokens, (int)t.OutputTokens, (int)t.TotalTokens, t.CostUsd, t.Calls - t.FailedCalls, usage.Simulated);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException)
        {
            logger.LogWarning(ex, "Usage of {TaskId} could not be read from the AI gateway; showing none", taskId);
            return new TaskUsage(0, 0, 0, 0m, 0, false);
        }
    }

    public static SubtaskSummary ToSummary(SubtaskEntity subtask, int versions) => new(
        subtask.SubtaskId,
        subtask.PlanRound,
        subtask.ParentSubtaskId,
        subtask.Title,
        subtask.Description,
        subtask.Status,
        subtask.AssignedAgentId,
        subtask.SpecialistType,
        subtask.Phase,
        subtask.Dependencies,
        subtask.AcceptanceStatus,
        subtask.ManagerFeedback,
        subtask.Score is { } score ? (double)score : null,
        subtask.Version,
        versions,
        subtask.Result is { } result ? Preview(result) : null,
        Utc.ToOffset(subtask.StartedAt),
        Utc.ToOffset(subtask.CompletedAt));

    /// <summary>The start of a solution, in whole words (the full text is on the subtask's page).</summary>
    public static string Preview(string text, int length = 200)
    {
        text = text.Trim();
        if (text.Length <= length) return text;
        var cut = text.LastIndexOf(' ', length);
        if (cut < length / 2) cut = char.IsHighSurrogate(text[length - 1]) ? length - 1 : length;
        return text[..cut].TrimEnd() + "…";
    }

    private static IQueryable<TaskEntity> Sort(IQueryable<TaskEntity> query, TaskListCriteria criteria) => (criteria.Sort, criteria.Descending) switch
    {
        (TaskSortFields.UpdatedAt, true) => query.OrderByDescending(t => t.UpdatedAt).ThenByDescending(t => t.TaskId),
        (TaskSortFields.UpdatedAt, false) => query.OrderBy(t => t.UpdatedAt).ThenBy(t => t.TaskId),
        (TaskSortFields.Priority, true) => query.OrderByDescending(PriorityRank).ThenByDescending(t => t.CreatedAt).ThenByDescending(t => t.TaskId),
        (TaskSortFields.Priority, false) => query.OrderBy(PriorityRank).ThenBy(t => t.CreatedAt).ThenBy(t => t.TaskId),
        (_, true) => query.OrderByDescending(t => t.CreatedAt).ThenByDescending(t => t.TaskId),
        _ => query.OrderBy(t => t.CreatedAt).ThenBy(t => t.TaskId),
    };

    // PriorityOrder.Rank applied to tasks.priority, so the database sorts by rank (a CASE) rather than alphabetically.
    private static readonly Expression<Func<TaskEntity, int>> PriorityRank = ComposePriorityRank();

    private static Expression<Func<TaskEntity, int>> ComposePriorityRank()
    {
        var task = Expression.Parameter(typeof(TaskEntity), "t");
        var priority = Expression.Property(task, nameof(TaskEntity.Priority));
        var body = new ParameterReplacer(PriorityOrder.Rank.Parameters[0], priority).Visit(PriorityOrder.Rank.Body);
        return Expression.Lambda<Func<TaskEntity, int>>(body, task);
    }

    private sealed class ParameterReplacer(ParameterExpression from, Expression to) : ExpressionVisitor
    {
        protected override Expression VisitParameter(ParameterExpression node) => node == from ? to : base.VisitParameter(node);
    }
}
