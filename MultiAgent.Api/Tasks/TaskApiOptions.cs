namespace MultiAgent.Api.Tasks;

public sealed class TaskApiOptions
{
    public const string SectionName = "Tasks";

    /// <summary>How long a request waits for the broker to confirm a message before the Api reports the queue unavailable.</summary>
    public TimeSpan PublishTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The estimate before any task has completed.</summary>
    public TimeSpan DefaultEstimate { get; set; } = TimeSpan.FromMinutes(2);
}
