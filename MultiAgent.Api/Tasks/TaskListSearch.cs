using Microsoft.EntityFrameworkCore;
using MultiAgent.Data.Entities;

namespace MultiAgent.Api.Tasks;

/// <summary>The task list's <c>q</c>: the title contains the text, case-insensitive, taken literally (no wildcards).</summary>
public static class TaskListSearch
{
    private const string Escape = "\\";

    public static IQueryable<TaskEntity> TitleContains(IQueryable<TaskEntity> tasks, string? search)
    {
        if (string.IsNullOrWhiteSpace(search))
        {
            return tasks;
        }

        var pattern = "%" + LiteralPattern(search.Trim()) + "%";
        return tasks.Where(t => EF.Functions.ILike(t.Title, pattern, Escape));
    }

    /// <summary>"50%_off" → "50\%\_off": LIKE's wildcards and the escape character itself match only themselves.</summary>
    public static string LiteralPattern(string text) =>
        text.Replace(Escape, Escape + Escape, StringComparison.Ordinal)
            .Replace("%", Escape + "%", StringComparison.Ordinal)
            .Replace("_", Escape + "_", StringComparison.Ordinal);
}
