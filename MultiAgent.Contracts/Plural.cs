using System.Globalization;

namespace MultiAgent.Contracts;

/// <summary>Counted nouns for text people read: "1 theme", "3 themes", "2 inconsistencies" — never "theme(s)".</summary>
public static class Plural
{
    /// <param name="plural">For irregular nouns ("person" → "people"); regular ones are formed by <see cref="Noun"/>.</param>
    public static string Of(long count, string singular, string? plural = null) =>
        count.ToString("N0", CultureInfo.InvariantCulture) + " " + (count == 1 ? singular : plural ?? Noun(singular));

    /// <summary>The regular English plural: theme → themes, inconsistency → inconsistencies, day → days, match → matches.</summary>
    public static string Noun(string singular)
    {
        if (singular.Length > 1 && singular.EndsWith('y') && !IsVowel(singular[^2]))
        {
            return singular[..^1] + "ies";
        }

        return singular.EndsWith('s') || singular.EndsWith('x') || singular.EndsWith('z')
            || singular.EndsWith("ch", StringComparison.Ordinal) || singular.EndsWith("sh", StringComparison.Ordinal)
            ? singular + "es"
            : singular + "s";
    }

    private static bool IsVowel(char c) => "aeiouAEIOU".Contains(c);
}
