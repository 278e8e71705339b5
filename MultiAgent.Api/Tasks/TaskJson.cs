using System.Text.Json;

namespace MultiAgent.Api.Tasks;

/// <summary>The task's <c>context</c>: the user's own JSON, stored as given and returned as given.</summary>
public static class TaskJson
{
    public static JsonElement? Parse(string? json)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return null;
        }

        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }
}

public static class Utc
{
    public static DateTimeOffset ToOffset(DateTime value) => new(DateTime.SpecifyKind(value, DateTimeKind.Utc));

    public static DateTimeOffset? ToOffset(DateTime? value) => value is { } v ? ToOffset(v) : null;

    /// <summary>Now, at the microsecond precision Postgres stores, so a timestamp returned at once equals the one read back later.</summary>
    public static DateTimeOffset Now(TimeProvider time)
    {
        var now = time.GetUtcNow();
        return now.AddTicks(-(now.Ticks % 10));
    }
}
