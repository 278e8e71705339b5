using System.Globalization;
using System.Linq.Expressions;

namespace MultiAgent.Contracts.Validation;

public static class TaskSortFields
{
    public const string CreatedAt = "created_at";
    public const string UpdatedAt = "updated_at";
    public const string Priority = "priority";

    public static readonly IReadOnlyList<string> All = [CreatedAt, UpdatedAt, Priority];
}

/// <summary>A validated GET /api/v1/tasks query.</summary>
/// <param name="Statuses">The statuses to list (several for <c>status=in_progress</c>, which means every running status); null for all.</param>
/// <param name="Search">Text the title must contain (case-insensitive, literal); null for any title.</param>
public sealed record TaskListCriteria(IReadOnlyList<TaskStatus>? Statuses, string? UserId, int Page, int Limit, string Sort, bool Descending,
    string? Search = null);

/// <summary>The rules of GET /api/v1/tasks: every query parameter arrives as text so a bad value is a field error, not a binding failure.</summary>
public static class TaskListQueryValidator
{
    /// <summary>The longest <c>q</c> (title search) accepted.</summary>
    public const int SearchMaxLength = 200;

    public static Validated<TaskListCriteria> Validate(string? status, string? userId, string? page, string? limit, string? sort, string? order,
        string? search = null)
    {
        var errors = new ValidationErrors();

        // "in_progress" is the design document's filter for running tasks: it lists every status between pending and the
        // end (manager_review, coordination, synthesis, revisions), the same definition /metrics counts.
        IReadOnlyList<TaskStatus>? statuses = null;
        status = NullIfEmpty(status);
        if (status is not null)
        {
            if (!EnumNames<TaskStatus>.TryParse(status, out var parsed))
            {
                errors.Add("status", $"Status must be one of: {string.Join(", ", EnumNames<TaskStatus>.All)}.");
            }
            else
            {
                statuses = parsed == TaskStatus.InProgress ? TaskStatusRules.InProgressStatuses : [parsed];
            }
        }

        userId = NullIfEmpty(userId);
        if (userId is not null && !UserIds.IsValid(userId))
        {
            errors.Add("user_id", $"User id {UserIds.Rule}.");
        }

        var pageNumber = Paging.DefaultPage;
        if (NullIfEmpty(page) is { } pageText && !TryParsePositive(pageText, out pageNumber))
        {
            errors.Add("page", "Page must be a whole number of at least 1.");
        }

        var limitNumber = Paging.DefaultLimit;
        if (NullIfEmpty(limit) is { } limitText && (!TryParsePositive(limitText, out limitNumber) || limitNumber > Paging.MaxLimit))
        {
            errors.Add("limit", $"Limit must be a whole number from 1 to {Paging.MaxLimit}.");
        }

        sort = NullIfEmpty(sort) ?? TaskSortFields.CreatedAt;
        if (!TaskSortFields.All.Contains(sort))
        {
            errors.Add("sort", $"Sort must be one of: {string.Join(", ", TaskSortFields.All)}.");
        }

        order = NullIfEmpty(order) ?? "desc";
        if (order is not ("asc" or "desc"))
        {
            errors.Add("order", "Order must be asc or desc.");
        }

        search = NullIfEmpty(search);
        if (search is not null && (search.Length > SearchMaxLength || search.Any(char.IsControl)))
        {
            errors.Add("q", $"Search text must be a single line of at most {SearchMaxLength} characters.");
        }

        return errors.IsEmpty
            ? Validated<TaskListCriteria>.Valid(new TaskListCriteria(statuses, userId, pageNumber, limitNumber, sort, order == "desc", search))
            : Validated<TaskListCriteria>.Invalid(errors);
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static bool TryParsePositive(string text, out int value) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value >= 1;
}

/// <summary>Page arithmetic of the list endpoints.</summary>
public static class Paging
{
    public const int DefaultPage = 1;
    public const int DefaultLimit = 20;
    public const int MaxLimit = 100;

    /// <summary>Number of pages holding <paramref name="total"/> items; 0 when there are none.</summary>
    public static int Pages(int total, int limit) => total <= 0 ? 0 : (int)((total + (long)limit - 1) / limit);

    /// <summary>Items to skip for a page; a long, because page × limit can exceed an int.</summary>
    public static long Offset(int page, int limit) => (long)(page - 1) * limit;
}

/// <summary>Priority as a sortable rank: low &lt; medium &lt; high &lt; urgent; an unknown value ranks as medium, its column default.</summary>
public static class PriorityOrder
{
    /// <summary>An expression so a query provider can translate it (EF Core: a SQL CASE).</summary>
    public static readonly Expression<Func<string, int>> Rank = priority =>
        priority == Priorities.Urgent ? 3
        : priority == Priorities.High ? 2
        : priority == Priorities.Low ? 0
        : 1;
}
