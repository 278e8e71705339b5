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
/// The read side of the tasks endpoints. Every query is scoped to its owner (a null owner: any user, for admins):
/// another user's task does not exist.
/// </summary>
public sealed class TaskReader(MultiAgentDbContext db, AgentStatusReader agentStatus, TaskResults results)
{
    private const int PreviewLength = 200;

    public async Task<TaskDetails?> GetDetailsAsync(string taskId, string? ownerId, CancellationToken cancellationToken)
    {
        var task = await db.Tasks.AsNoTracking().FirstOrDefaultAsync(t => t.TaskId == taskId && (ownerId == null || t.UserId == ownerId), cancellationToken);
        if (task is null)
        {
            return null;
        }

        var subtasks = CurrentPlan(await db.Subtasks.AsNoTracking()
            .Where(s => s.TaskId == taskId)
            .ToListAsync(cancellationToken));
        var versions = await db.Solutions.AsNoTracking()
            .Where(s => s.TaskId == taskId && s.SubtaskId != null)
            .GroupBy(s => s.SubtaskId!)
            .Select(g => new { SubtaskId = g.Key, Count = g.Count() })
            .ToDictionaryAsync(x => x.SubtaskId, x => x.Count, cancellationToken);
        var interactionAgents = await db.Interactions.AsNoTracking()
            .Where(i => i.TaskId == taskId && i.AgentId != null)
            .GroupBy(i => i.AgentId!)
            .Select(g => new { AgentId = g.Key, First = g.Min(i => i.Timestamp) })
            .ToListAsync(cancellationToken);

        var agentIds = interactionAgents.OrderBy(a => a.First).Select(a => a.AgentId)
            .Concat(subtasks.Where(s => s.AssignedAgentId != null).OrderBy(s => s.CreatedAt).Select(s => s.AssignedAgentId!))
            .Distinct()
            .ToList();
        var agents = await DescribeAgentsAsync(agentIds, cancellationToken);

        // OrderBy is stable: by phase, and in creation order within a phase.
        var summaries = subtasks
            .OrderBy(s => s.CreatedAt)
            .Select(s => ToSummary(s, versions.GetValueOrDefault(s.SubtaskId)))
            .OrderBy(s => s.Phase)
            .ToList();

        var usage = await GetUsageAsync(taskId, cancellationToken);
        var result = task.Status == TaskStatuses.Completed
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
            StoredJson.Parse(task.Context),
            Utc.ToOffset(task.CreatedAt),
            Utc.ToOffset(task.UpdatedAt),
            Utc.ToOffset(task.CompletedAt),
            Utc.ToOffset(task.EstimatedCompletion),
            task.ErrorMessage,
            agents.Select(a => new AssignedAgent(a.AgentId, a.Type, a.LiveStatus)).ToList(),
            summaries,
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
        if (criteria.Status is { } status)
        {
            query = query.Where(t => t.Status == status);
        }
        query = TaskListSearch.TitleContains(query, criteria.Search);

        var total = await query.CountAsync(cancellationToken);
        var offset = Paging.Offset(criteria.Page, criteria.Limit);
        IReadOnlyList<TaskSummary> tasks = [];
        if (offset < total)
        {
            var rows = await Sort(query, criteria)
                .Skip((int)offset)
                .Take(criteria.Limit)
                .Select(t => new { t.TaskId, t.UserId, t.Title, t.Priority, t.Status, t.Progress, t.CurrentStage, t.CreatedAt, t.UpdatedAt, t.CompletedAt })
                .ToListAsync(cancellationToken);
            tasks = rows.Select(t => new TaskSummary(t.TaskId, t.UserId, t.Title, t.Priority, t.Status, t.Progress, t.CurrentStage,
                Utc.ToOffset(t.CreatedAt), Utc.ToOffset(t.UpdatedAt), Utc.ToOffset(t.CompletedAt))).ToList();
        }

        return new TaskListResponse(tasks, new Pagination(criteria.Page, criteria.Limit, total, Paging.Pages(total, criteria.Limit)));
    }

    public async Task<TaskAgentsResponse?> GetAgentsAsync(string taskId, string? ownerId, CancellationToken cancellationToken)
    {
        var task = await db.Tasks.AsNoTracking()
            .Where(t => t.TaskId == taskId && (ownerId == null || t.UserId == ownerId))
            .Select(t => new { t.Status })
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
            .Where(s => s.TaskId == taskId && s.AssignedAgentId != null)
            .Select(s => new { AgentId = s.AssignedAgentId!, s.Title, s.Status, s.CreatedAt, s.UpdatedAt })
            .ToListAsync(cancellationToken);

        var agentIds = interactions.Select(i => i.AgentId)
            .Concat(subtasks.OrderBy(s => s.CreatedAt).Select(s => s.AgentId))
            .Distinct()
            .ToList();
        var agents = await DescribeAgentsAsync(agentIds, cancellationToken);
        var terminal = TaskStatuses.IsTerminal(task.Status);

        var result = agents.Select(agent =>
        {
            var own = subtasks.Where(s => s.AgentId == agent.AgentId).OrderByDescending(s => s.UpdatedAt).ToList();
            var working = own.FirstOrDefault(s => s.Status is SubtaskStatuses.Assigned or SubtaskStatuses.InProgress);
            var waiting = own.Any(s => s.Status is SubtaskStatuses.Pending or SubtaskStatuses.NeedsRevision);

            // Agents are shared across tasks, so "working" means working on this task, not merely busy.
            var status = terminal ? "completed"
                : working is not null || (agent.CurrentTaskId == taskId && agent.LiveStatus == AgentStatusReader.Busy) ? "working"
                : waiting ? "idle"
                : "completed";

            int? progress = own.Count == 0 ? null : own.Count(s => s.Status == SubtaskStatuses.Completed) * 100 / own.Count;
            var activities = interactions
                .Where(i => i.AgentId == agent.AgentId)
                .Select(i => new AgentActivity(Utc.ToOffset(i.Timestamp), i.Action, i.Description))
                .ToList();

            return new TaskAgent(agent.AgentId, agent.Type, status, (working ?? own.FirstOrDefault())?.Title, progress, activities);
        }).ToList();

        return new TaskAgentsResponse(taskId, result);
    }

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
            rows.TryGetValue(id, out var row) ? row.AgentType : AgentStatusReader.TypeOf(id),
            live[id],
            row?.CurrentTaskId)).ToList();
    }

    private async Task<TaskUsage> GetUsageAsync(string taskId, CancellationToken cancellationToken)
    {
        var usage = await db.AiApiUsage.AsNoTracking()
            .Where(u => u.TaskId == taskId)
            .GroupBy(u => u.TaskId)
            .Select(g => new
            {
                Prompt = g.Sum(u => u.PromptTokens),
                Completion = g.Sum(u => u.CompletionTokens),
                Total = g.Sum(u => u.TotalTokens),
                Cost = g.Sum(u => u.CostUsd ?? 0m),
                Calls = g.Count(),
                Simulated = g.Count(u => u.Provider == TaskResults.SimulatedProvider),
            })
            .FirstOrDefaultAsync(cancellationToken);

        return usage is null
            ? new TaskUsage(0, 0, 0, 0m, 0, false)
            : new TaskUsage(usage.Prompt, usage.Completion, usage.Total, usage.Cost, usage.Calls, usage.Simulated > 0);
    }

    /// <summary>
    /// A full-task revision plans the task again: the earlier plan's subtasks stay stored as history, and the task shows
    /// the subtasks of its latest plan round (<c>plan_round</c> in the requirements; 1 when absent).
    /// </summary>
    public static List<SubtaskEntity> CurrentPlan(List<SubtaskEntity> subtasks)
    {
        if (subtasks.Count == 0) return subtasks;
        var withRound = subtasks.Select(s => (Subtask: s, Round: StoredJson.Integer(StoredJson.Parse(s.Requirements), "plan_round") ?? 1)).ToList();
        var latest = withRound.Max(x => x.Round);
        return withRound.Where(x => x.Round == latest).Select(x => x.Subtask).ToList();
    }

    private static SubtaskSummary ToSummary(SubtaskEntity subtask, int versions)
    {
        var requirements = StoredJson.Parse(subtask.Requirements);
        var metadata = StoredJson.Parse(subtask.ResultMetadata);
        return new SubtaskSummary(
            subtask.SubtaskId,
            subtask.ParentSubtaskId,
            subtask.Title,
            subtask.Description,
            subtask.Status,
            subtask.AssignedAgentId,
            StoredJson.String(requirements, "specialist_type") ?? (subtask.AssignedAgentId is { } agentId ? AgentStatusReader.TypeOf(agentId) : null),
            StoredJson.Integer(requirements, "phase") ?? 1,
            StoredJson.Strings(requirements, "dependencies"),
            subtask.AcceptanceStatus,
            subtask.ManagerFeedback,
            StoredJson.Number(metadata, "score"),
            versions,
            Preview(subtask.Result));
    }

    /// <summary>The first 200 characters, never splitting a surrogate pair.</summary>
    public static string? Preview(string? text)
    {
        if (text is null || text.Length <= PreviewLength)
        {
            return text;
        }
        var length = char.IsHighSurrogate(text[PreviewLength - 1]) ? PreviewLength - 1 : PreviewLength;
        return text[..length];
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
