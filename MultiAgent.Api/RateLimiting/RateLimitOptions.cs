namespace MultiAgent.Api.RateLimiting;

/// <summary>The <c>RateLimits</c> section (design document, "Rate Limiting Strategy"); counted in Redis, so shared by every Api instance.</summary>
public sealed class RateLimitOptions
{
    public const string SectionName = "RateLimits";

    public int TaskCreationPerHour { get; set; } = 10;
    public int TaskCreationPerDay { get; set; } = 50;
    public int ApiRequestsPerMinute { get; set; } = 100;
    public int RealtimeConnectionsPerUser { get; set; } = 5;

    /// <summary>Global: tasks not yet completed, failed or cancelled.</summary>
    public int ConcurrentTasks { get; set; } = 1000;
}
