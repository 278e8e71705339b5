using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using MultiAgent.Contracts;

namespace MultiAgent.Data;

/// <summary>
/// Typed JSON columns: a jsonb column holds one C# type, serialized snake_case, and every service reads it back into that
/// same type. Nobody reads these columns by key name.
/// </summary>
public static class JsonColumns
{
    public static readonly JsonSerializerOptions Options = JsonDefaults.Configure(new JsonSerializerOptions(JsonSerializerDefaults.Web));

    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Options);

    public static T Deserialize<T>(string json) =>
        JsonSerializer.Deserialize<T>(json, Options) ?? throw new JsonException($"The stored {typeof(T).Name} is null.");

    /// <summary>Maps the property to a jsonb column holding <typeparamref name="T"/>.</summary>
    public static PropertyBuilder<T> HasJsonConversion<T>(this PropertyBuilder<T> property)
    {
        property.HasConversion(
                new ValueConverter<T, string>(value => Serialize(value), json => Deserialize<T>(json)),
                new ValueComparer<T>(
                    (a, b) => Serialize(a) == Serialize(b),
                    value => Serialize(value).GetHashCode(StringComparison.Ordinal),
                    value => Deserialize<T>(Serialize(value))))
            .HasColumnType("jsonb");
        return property;
    }

    /// <summary>Stores an enum as its design-document name (e.g. <c>in_progress</c>).</summary>
    public static PropertyBuilder<TEnum> HasEnumName<TEnum>(this PropertyBuilder<TEnum> property) where TEnum : struct, Enum =>
        property.HasConversion(new ValueConverter<TEnum, string>(value => EnumNames<TEnum>.Name(value), name => EnumNames<TEnum>.Parse(name)));

    /// <summary>A nullable enum: null stays NULL (EF Core does not pass nulls to converters).</summary>
    public static PropertyBuilder<TEnum?> HasEnumName<TEnum>(this PropertyBuilder<TEnum?> property) where TEnum : struct, Enum =>
        property.HasConversion((ValueConverter)new ValueConverter<TEnum, string>(value => EnumNames<TEnum>.Name(value), name => EnumNames<TEnum>.Parse(name)));
}
