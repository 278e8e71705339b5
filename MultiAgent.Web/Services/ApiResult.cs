using System.Diagnostics.CodeAnalysis;
using System.Text.Json;

namespace MultiAgent.Web.Services;

/// <summary>What came back from the Api: the value, or an error a person can act on. Never an exception.</summary>
public sealed class ApiResult<T> where T : class
{
    private ApiResult(T? value, ApiError? error) => (Value, Error) = (value, error);

    public T? Value { get; }

    public ApiError? Error { get; }

    [MemberNotNullWhen(true, nameof(Value))]
    [MemberNotNullWhen(false, nameof(Error))]
    public bool IsSuccess => Error is null;

    public static implicit operator ApiResult<T>(T value) => new(value, null);

    public static implicit operator ApiResult<T>(ApiError error) => new(null, error);
}

public enum ApiErrorKind
{
    Unreachable,
    Timeout,
    ServerError,
    Validation,
    NotFound,
    Conflict,
    RateLimited,
    /// <summary>The Api refused the credentials and renewing them failed: the person has to sign in again.</summary>
    Unauthorized,
    /// <summary>Signed in, but not allowed (403): e.g. an admin-only page.</summary>
    Forbidden,
    Rejected,
    InvalidResponse,
}

/// <summary>A failed Api call, carrying the RFC 9457 problem details the Api sent (if any).</summary>
public sealed record ApiError(
    ApiErrorKind Kind,
    string Operation,
    int? StatusCode,
    string Title,
    string? Detail,
    IReadOnlyDictionary<string, string[]> Errors,
    string? TraceId)
{
    private static readonly IReadOnlyDictionary<string, string[]> NoErrors = new Dictionary<string, string[]>();

    /// <summary>What a 429 said about the limit, when it said it.</summary>
    public RateLimitInfo? RateLimit { get; init; }

    /// <summary>Worth offering a retry: the same request may well succeed later.</summary>
    public bool IsTransient => Kind is ApiErrorKind.Unreachable or ApiErrorKind.Timeout or ApiErrorKind.ServerError or ApiErrorKind.RateLimited;

    public string Headline => Kind == ApiErrorKind.RateLimited && RateLimit?.Summary is { } summary ? summary : $"Could not {Operation}.";

    /// <summary>What the person can do about it.</summary>
    public string Advice => Kind switch
    {
        ApiErrorKind.Unreachable => "The API is not reachable — is the AppHost running? Check the \"api\" resource in the Aspire dashboard, then retry.",
        ApiErrorKind.Timeout => "The API did not answer in time. It may still be starting or be overloaded; retry in a moment.",
        ApiErrorKind.ServerError => "The API failed while handling the request. Retry; if it keeps failing, look for the error in the \"api\" logs in the Aspire dashboard"
            + (TraceId is null ? "." : $" (trace {TraceId})."),
        ApiErrorKind.RateLimited => RateLimit?.ResetAt is not null
            ? $"Could not {Operation}. Retry after the time above."
            : $"Could not {Operation}: too many requests in a short time. Wait a few seconds and retry.",
        ApiErrorKind.Unauthorized => "Your session has ended. Sign in again to continue.",
        ApiErrorKind.NotFound => "Check the link: the task may not exist, or it belongs to another user.",
        ApiErrorKind.Validation => "Correct the highlighted fields and submit again.",
        ApiErrorKind.Forbidden => "This needs the admin role. Ask an administrator if you need it.",
        ApiErrorKind.InvalidResponse => "The API answered with something this app could not read. The Web app and the API may be different versions; redeploy both.",
        _ => "",
    };

    /// <summary>
    /// What went wrong, as a sentence that repeats neither <see cref="Headline"/> nor <see cref="Advice"/>: null for a validation
    /// error (the fields say what is wrong, and the Api's generic detail is addressed to programs) and for a rate limit the headline already states.
    /// </summary>
    public string? Explanation => Kind switch
    {
        ApiErrorKind.Validation => null,
        ApiErrorKind.RateLimited when RateLimit?.Summary is not null => null,
        _ => Sentence(Title),
    };

    /// <summary>The Api's detail, unless it only restates the explanation or speaks to API clients about a validation error.</summary>
    public string? ShownDetail =>
        Kind == ApiErrorKind.Validation || string.IsNullOrWhiteSpace(Detail) || Sentence(Detail) == Explanation ? null : Detail;

    private static string Sentence(string text) => text.TrimEnd().EndsWith('.') || text.TrimEnd().EndsWith('!') ? text.Trim() : text.Trim() + ".";

    /// <summary>Messages for one request field; <paramref name="field"/> is the snake_case wire name, e.g. <c>title</c> or <c>context.deadline</c>.
    /// Errors of list items (<c>context.constraints[1]</c>) count as the list's.</summary>
    public IReadOnlyList<string> ErrorsFor(string field) =>
        [.. Errors.Where(e => IsOf(e.Key, field)).SelectMany(e => e.Value)];

    /// <summary>Messages whose field is not one of <paramref name="shownFields"/>, so none is lost.</summary>
    public IEnumerable<string> ErrorsExcept(IReadOnlyCollection<string> shownFields) =>
        Errors.Where(e => !shownFields.Any(f => IsOf(e.Key, f)))
            .SelectMany(e => e.Value.Select(m => string.IsNullOrEmpty(e.Key) ? m : $"{e.Key}: {m}"));

    private static bool IsOf(string key, string field) =>
        key == field || (key.StartsWith(field, StringComparison.Ordinal) && key.Length > field.Length && key[field.Length] == '[');

    public static ApiError Unreachable(string operation, string reason) =>
        new(ApiErrorKind.Unreachable, operation, null, "The API is not reachable", reason, NoErrors, null);

    public static ApiError SessionEnded(string operation) =>
        new(ApiErrorKind.Unauthorized, operation, 401, "You are not signed in", null, NoErrors, null);

    public static ApiError TimedOut(string operation) =>
        new(ApiErrorKind.Timeout, operation, null, "The API did not answer in time", null, NoErrors, null);

    public static ApiError InvalidResponse(string operation, int? statusCode, string reason) =>
        new(ApiErrorKind.InvalidResponse, operation, statusCode, "Unexpected response from the API", reason, NoErrors, null);

    public static async Task<ApiError> FromResponseAsync(string operation, HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var status = (int)response.StatusCode;
        var body = await ReadJsonBodyAsync(response, cancellationToken);
        var problem = Read<HttpValidationProblemDetails>(body, JsonSerializerOptions.Web);
        var errors = Normalize(problem?.Errors);
        var kind = status switch
        {
            400 or 422 when errors.Count > 0 => ApiErrorKind.Validation,
            404 => ApiErrorKind.NotFound,
            401 => ApiErrorKind.Unauthorized,
            403 => ApiErrorKind.Forbidden,
            409 => ApiErrorKind.Conflict,
            429 => ApiErrorKind.RateLimited,
            >= 500 => ApiErrorKind.ServerError,
            _ => ApiErrorKind.Rejected,
        };
        var title = problem?.Title ?? $"The API answered {status} {response.ReasonPhrase}";
        var rateLimit = kind == ApiErrorKind.RateLimited ? RateLimitInfo.From(Read<RateLimitBody>(body, MultiAgent.Contracts.JsonDefaults.Options), response) : null;
        if (rateLimit is not null && !HasProperty(body, "title"))
        {
            // Not problem details (whose reader would supply a default title): the 429 body's own message.
            title = rateLimit.Message ?? "Too many requests";
        }

        return new ApiError(kind, operation, status, title, problem?.Detail, errors, Extension(problem, "traceId") ?? Extension(problem, "trace_id"))
        {
            RateLimit = rateLimit,
        };
    }

    private static string? Extension(HttpValidationProblemDetails? problem, string name) =>
        problem?.Extensions.TryGetValue(name, out var value) == true && value is JsonElement { ValueKind: JsonValueKind.String } element
            ? element.GetString()
            : null;

    private static async Task<string?> ReadJsonBodyAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.Content.Headers.ContentType?.MediaType?.Contains("json", StringComparison.OrdinalIgnoreCase) != true)
        {
            return null;
        }

        return await response.Content.ReadAsStringAsync(cancellationToken);
    }

    private static bool HasProperty(string? body, string name)
    {
        try
        {
            using var document = JsonDocument.Parse(body ?? "null");
            return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty(name, out _);
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static T? Read<T>(string? body, JsonSerializerOptions options) where T : class
    {
        if (string.IsNullOrWhiteSpace(body))
        {
            return null;
        }

        try
        {
            // ProblemDetails names its own members (type, title, status, detail, errors), so plain web options read it.
            return JsonSerializer.Deserialize<T>(body, options);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    // The Api keys errors by snake_case wire names; accept the odd "$.title" or "Title" too, so no message is lost.
    private static Dictionary<string, string[]> Normalize(IDictionary<string, string[]>? errors)
    {
        var result = new Dictionary<string, string[]>(StringComparer.Ordinal);
        foreach (var (key, messages) in errors ?? new Dictionary<string, string[]>())
        {
            var field = string.Join('.', key.TrimStart('$').Trim('.').Split('.').Select(p => JsonNamingPolicy.SnakeCaseLower.ConvertName(p)));
            result[field] = result.TryGetValue(field, out var existing) ? [.. existing, .. messages] : messages;
        }

        return result;
    }
}

/// <summary>The body of the Api's 429: {error, message, limit, current, reset_at, retry_after}.</summary>
internal sealed record RateLimitBody(string? Error, string? Message, int? Limit, int? Current, DateTimeOffset? ResetAt, int? RetryAfter);

/// <summary>A rate limit the Api reported, in the words a person needs: how many, and when to try again.</summary>
public sealed record RateLimitInfo(string? Code, string? Message, int? Limit, int? Current, DateTimeOffset? ResetAt)
{
    /// <summary>"You have reached the limit of 10 tasks per hour — try again at 14:05 UTC.", or null when the Api did not say.</summary>
    public string? Summary
    {
        get
        {
            if (Limit is null && ResetAt is null)
            {
                return null;
            }

            var what = Limit is { } limit ? $"You have reached the limit of {limit} {Unit}" : "You have reached a usage limit";
            var when = ResetAt is { } at ? $" — try again at {at.ToUniversalTime().ToString("HH:mm", System.Globalization.CultureInfo.InvariantCulture)} UTC" : "";
            return what + when + ".";
        }
    }

    // "tasks_per_hour" → "tasks per hour"; "rate_limit_exceeded" and the like say nothing about the unit.
    private string Unit
    {
        get
        {
            var words = (Code ?? "").Replace('_', ' ').Replace('-', ' ').Trim();
            return words.Length == 0 || words.Contains("exceeded", StringComparison.OrdinalIgnoreCase)
                || words.Contains("rate limit", StringComparison.OrdinalIgnoreCase) || words.Contains("too many", StringComparison.OrdinalIgnoreCase)
                ? "requests"
                : words;
        }
    }

    internal static RateLimitInfo From(RateLimitBody? body, HttpResponseMessage response)
    {
        var resetAt = body?.ResetAt;
        if (resetAt is null)
        {
            var seconds = body?.RetryAfter ?? (int?)response.Headers.RetryAfter?.Delta?.TotalSeconds;
            resetAt = seconds is { } s ? DateTimeOffset.UtcNow.AddSeconds(s) : response.Headers.RetryAfter?.Date;
        }

        return new RateLimitInfo(body?.Error, body?.Message, body?.Limit, body?.Current, resetAt);
    }
}
