namespace MultiAgent.Contracts.Validation;

/// <summary>
/// Field errors keyed by the snake_case field name, in the shape of RFC 9457 validation problem details (<c>errors</c>).
/// </summary>
public sealed class ValidationErrors
{
    private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);

    public bool IsEmpty => _errors.Count == 0;

    public void Add(string field, string message)
    {
        if (!_errors.TryGetValue(field, out var messages))
        {
            _errors[field] = messages = [];
        }
        messages.Add(message);
    }

    public IReadOnlyDictionary<string, string[]> ToDictionary() =>
        _errors.ToDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.Ordinal);
}

/// <summary>The outcome of validating a request: the normalised value, or the field errors.</summary>
public sealed record Validated<T>(T? Value, IReadOnlyDictionary<string, string[]> Errors) where T : class
{
    public bool IsValid => Errors.Count == 0 && Value is not null;

    public static Validated<T> Valid(T value) => new(value, new Dictionary<string, string[]>());

    public static Validated<T> Invalid(ValidationErrors errors) => new(null, errors.ToDictionary());
}
