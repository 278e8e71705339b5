using System.Globalization;
using Microsoft.AspNetCore.Http;
using MultiAgent.AiGateway.Protocol;

namespace MultiAgent.AiGateway.Pipeline;

/// <summary>
/// Who a call is for and how it wants to be treated, from its request headers. All optional; documented in the README's
/// "Calling the gateway".
/// </summary>
public sealed record CallerHeaders(
    string? TaskId,
    string? AgentId,
    string? AgentRole,
    string? UserId,
    decimal? TaskBudgetUsd,
    string? IdempotencyKey,
    bool ReadCache,
    bool WriteCache)
{
    public const string TaskId_ = "X-MultiAgent-Task-Id";
    public const string AgentId_ = "X-MultiAgent-Agent-Id";
    public const string AgentRole_ = "X-MultiAgent-Agent-Role";
    public const string UserId_ = "X-MultiAgent-User-Id";
    public const string TaskBudget = "X-MultiAgent-Task-Budget-Usd";
    public const string IdempotencyKey_ = "Idempotency-Key";
    public const string IdempotencyKeyAlternate = "X-MultiAgent-Idempotency-Key";

    /// <summary><c>X-MultiAgent-Cache: bypass</c> neither reads nor writes the cache (as does <c>Cache-Control: no-store</c>); <c>Cache-Control: no-cache</c> skips the read only.</summary>
    public const string Cache = "X-MultiAgent-Cache";

    public static (CallerHeaders? Headers, WireError? Error) Read(IHeaderDictionary headers)
    {
        decimal? budget = null;
        var budgetText = headers[TaskBudget].ToString().Trim();
        if (budgetText.Length > 0)
        {
            if (!decimal.TryParse(budgetText, NumberStyles.Number, CultureInfo.InvariantCulture, out var parsed) || parsed < 0)
            {
                return (null, new WireError($"The {TaskBudget} header must be a non-negative amount of USD such as 0.50 (got '{Truncate(budgetText)}').",
                    TaskBudget, "invalid_budget"));
            }
            budget = parsed;
        }

        var idempotencyKey = Id(headers, IdempotencyKey_, 200) ?? Id(headers, IdempotencyKeyAlternate, 200);
        var cacheControl = headers.CacheControl.ToString();
        var bypass = headers[Cache].ToString().Trim().Equals("bypass", StringComparison.OrdinalIgnoreCase)
                     || cacheControl.Contains("no-store", StringComparison.OrdinalIgnoreCase);
        var noRead = bypass || cacheControl.Contains("no-cache", StringComparison.OrdinalIgnoreCase);

        return (new CallerHeaders(
            Id(headers, TaskId_, 100),
            Id(headers, AgentId_, 100),
            Id(headers, AgentRole_, 50)?.ToLowerInvariant(),
            Id(headers, UserId_, 100),
            budget,
            idempotencyKey,
            ReadCache: !noRead,
            WriteCache: !bypass), null);
    }

    private static string? Id(IHeaderDictionary headers, string name, int max)
    {
        var value = headers[name].ToString().Trim();
        return value.Length is > 0 && value.Length <= max ? value : null;
    }

    private static string Truncate(string s) => s.Length <= 40 ? s : s[..40] + "…";
}
