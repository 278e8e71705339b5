namespace MultiAgent.Web.Components.Shared;

/// <summary>
/// The viewer's time zone: the layout asks the browser once the circuit is up (<c>Intl</c>'s IANA name) and cascades it
/// under <see cref="Name"/>; times are shown in it (<see cref="Display.DateTime"/>). Until then, and when the browser names a
/// zone the server does not know, times are in UTC and say so.
/// </summary>
public static class ViewerTimeZone
{
    public const string Name = "ViewerTimeZone";

    public static TimeZoneInfo? Find(string? ianaName) =>
        !string.IsNullOrWhiteSpace(ianaName) && TimeZoneInfo.TryFindSystemTimeZoneById(ianaName, out var zone) ? zone : null;
}
