using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using MultiAgent.Contracts.Api;

namespace MultiAgent.Contracts.Validation;

/// <summary>A task submission that passed validation: trimmed, defaults applied, context re-serialized compactly.</summary>
public sealed record TaskSubmission(string Title, string Description, string Priority, string? ContextJson, decimal? BudgetUsd = null);

/// <summary>
/// The rules of POST /api/v1/tasks. The Api enforces them (400 with field errors and nothing written, as the design
/// document's "Validation Errors" asks); the Web may run them first for early feedback.
/// Error keys are the snake_case JSON field names; nested context fields are <c>context.domain</c> and so on.
/// </summary>
public static class CreateTaskValidator
{
    /// <summary>tasks.title is VARCHAR(500).</summary>
    public const int TitleMaxLength = 500;
    public const int DescriptionMinLength = 20;
    public const int DescriptionMaxLength = 10_000;
    public const int ContextMaxBytes = 16 * 1024;
    public const int DomainMaxLength = 100;
    public const int ConstraintsMaxCount = 50;
    public const int ConstraintMaxLength = 500;

    /// <summary>The largest budget a task may set, in USD (tasks.budget_usd is NUMERIC(12,6)).</summary>
    public const decimal MaxBudgetUsd = 10_000m;

    // Measured and stored without escaping non-ASCII text, so a context in any language gets the same 16 KB.
    private static readonly JsonWriterOptions CompactWriter = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static Validated<TaskSubmission> Validate(CreateTaskRequest request)
    {
        var errors = new ValidationErrors();

        var title = request.Title?.Trim();
        if (string.IsNullOrEmpty(title))
        {
            errors.Add("title", "Title is required.");
        }
        else if (title.Length > TitleMaxLength)
        {
            errors.Add("title", $"Title must be at most {TitleMaxLength} characters (it has {title.Length}).");
        }
        else if (title.Any(char.IsControl))
        {
            errors.Add("title", "Title must be a single line without control characters.");
        }

        var description = request.Description?.Trim();
        if (string.IsNullOrEmpty(description))
        {
            errors.Add("description", "Description is required.");
        }
        else if (description.Length < DescriptionMinLength)
        {
            errors.Add("description", $"Description must be at least {DescriptionMinLength} characters (it has {description.Length}).");
        }
        else if (description.Length > DescriptionMaxLength)
        {
            errors.Add("description", $"Description must be at most {DescriptionMaxLength:N0} characters (it has {description.Length:N0}).");
        }

        var priority = request.Priority ?? Priorities.Medium;
        if (!Priorities.All.Contains(priority))
        {
            errors.Add("priority", PriorityRule);
        }

        var contextJson = ValidateContext(request.Context, errors);

        if (request.BudgetUsd is { } budget && (budget <= 0 || budget > MaxBudgetUsd || decimal.Round(budget, 6) != budget))
        {
            errors.Add("budget_usd", $"budget_usd must be a positive amount in USD of at most {MaxBudgetUsd:0} with at most 6 decimals.");
        }

        return errors.IsEmpty
            ? Validated<TaskSubmission>.Valid(new TaskSubmission(title!, description!, priority, contextJson, request.BudgetUsd))
            : Validated<TaskSubmission>.Invalid(errors);
    }

    internal const string PriorityRule = "Priority must be one of: low, medium, high, urgent.";

    private static string? ValidateContext(JsonElement? context, ValidationErrors errors)
    {
        if (context is not { } element || element.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined)
        {
            return null;
        }

        if (element.ValueKind != JsonValueKind.Object)
        {
            errors.Add("context", $"Context must be a JSON object (it is {Describe(element.ValueKind)}).");
            return null;
        }

        var compact = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(compact, CompactWriter))
        {
            element.WriteTo(writer);
        }

        if (compact.WrittenCount > ContextMaxBytes)
        {
            errors.Add("context", $"Context must be at most 16 KB when serialized (it is {compact.WrittenCount:N0} bytes).");
            return null;
        }

        var valid = true;
        foreach (var property in element.EnumerateObject())
        {
            var value = property.Value;
            if (value.ValueKind == JsonValueKind.Null)
            {
                continue;
            }

            switch (property.Name)
            {
                case "domain":
                    if (value.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(value.GetString()))
                    {
                        valid = Fail(errors, "context.domain", "Domain must be a non-empty string.");
                    }
                    else if (value.GetString()!.Length > DomainMaxLength)
                    {
                        valid = Fail(errors, "context.domain", $"Domain must be at most {DomainMaxLength} characters.");
                    }
                    break;

                case "deadline":
                    if (value.ValueKind != JsonValueKind.String || !IsIsoDate(value))
                    {
                        valid = Fail(errors, "context.deadline", "Deadline must be an ISO 8601 date (2024-12-31) or date-time (2024-12-31T17:00:00Z).");
                    }
                    break;

                case "constraints":
                    valid &= ValidateConstraints(value, errors);
                    break;
            }
        }

        return valid ? Encoding.UTF8.GetString(compact.WrittenSpan) : null;
    }

    private static bool ValidateConstraints(JsonElement value, ValidationErrors errors)
    {
        if (value.ValueKind != JsonValueKind.Array)
        {
            return Fail(errors, "context.constraints", "Constraints must be an array of strings.");
        }

        if (value.GetArrayLength() > ConstraintsMaxCount)
        {
            return Fail(errors, "context.constraints", $"Constraints may list at most {ConstraintsMaxCount} items.");
        }

        var index = 0;
        foreach (var item in value.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(item.GetString()))
            {
                return Fail(errors, "context.constraints", $"Constraint {index} must be a non-empty string.");
            }
            if (item.GetString()!.Length > ConstraintMaxLength)
            {
                return Fail(errors, "context.constraints", $"Constraint {index} must be at most {ConstraintMaxLength} characters.");
            }
            index++;
        }
        return true;
    }

    private static bool IsIsoDate(JsonElement value) =>
        value.TryGetDateTimeOffset(out _)
        || DateOnly.TryParseExact(value.GetString(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _);

    private static bool Fail(ValidationErrors errors, string field, string message)
    {
        errors.Add(field, message);
        return false;
    }

    internal static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Object => "an object",
        _ => "null",
    };
}
