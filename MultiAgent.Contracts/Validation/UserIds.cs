namespace MultiAgent.Contracts.Validation;

/// <summary>The shape of a user id: 1 to 50 characters (the width of tasks.user_id) of <c>[A-Za-z0-9_.@-]</c>.</summary>
public static class UserIds
{
    public const int MaxLength = 50;

    /// <summary>Who a request belongs to when it names nobody, until authentication lands.</summary>
    public const string DevelopmentUser = "user_dev";

    public const string Rule = "must be 1 to 50 characters of letters, digits, '_', '.', '@' or '-'";

    public static bool IsValid(string? userId)
    {
        if (string.IsNullOrEmpty(userId) || userId.Length > MaxLength)
        {
            return false;
        }

        foreach (var c in userId)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '@' or '-'))
            {
                return false;
            }
        }
        return true;
    }
}
