using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using MultiAgent.Orchestrator.Extensions;

namespace MultiAgent.Orchestrator.Workflow;

/// <summary>
/// After the broker restarts, MassTransit reconnects, but now and then a receive endpoint that had messages in flight
/// when the connection dropped never consumes again: the queue keeps its messages and has no consumer, while the bus
/// reports the endpoint healthy (seen in the crash test under load: the saga's queue with 99 messages ready and 0
/// consumers for minutes). Stopping and starting the bus does not cure it: the stop waits for that endpoint and times out,
/// the start is then a no-op ("already started"), and every other endpoint is left stopped as well.
/// <para>
/// So this watchdog asks the broker's management API (<c>RabbitMQ:ManagementUrl</c>, set by the AppHost; off without it)
/// which of the workflow's queues have no consumer, and when one has had none for <see cref="ChecksBeforeExit"/> checks
/// in a row while the broker answers, it ends the process at once, as a liveness probe would. Nothing is lost by that:
/// the workflow lives in Postgres and durable queues, unacknowledged messages return to their queues, and the process's
/// supervisor (the AppHost's restart-on-crash locally, the container platform when deployed) starts a fresh one.
/// </para>
/// </summary>
public sealed class ConsumerWatchdog(IConfiguration configuration, IHttpClientFactory httpClients, ILogger<ConsumerWatchdog> logger)
    : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(15);

    /// <summary>Checks in a row that must find a queue without a consumer: 30 to 45 s, longer than a normal reconnect.</summary>
    public const int ChecksBeforeExit = 3;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (configuration["RabbitMQ:ManagementUrl"] is not { Length: > 0 } management
            || configuration.GetConnectionString("rabbitmq") is not { Length: > 0 } amqp)
        {
            return;
        }
        var amqpUri = new Uri(amqp);
        using var http = httpClients.CreateClient(nameof(ConsumerWatchdog));
        http.BaseAddress = new Uri(management);
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes(Uri.UnescapeDataString(amqpUri.UserInfo))));
        var vhost = Uri.EscapeDataString(amqpUri.AbsolutePath is "/" or "" ? "/" : Uri.UnescapeDataString(amqpUri.AbsolutePath.TrimStart('/')));

        // How many checks in a row have found each queue without a consumer.
        Dictionary<string, int> missingFor = [];
        using var timer = new PeriodicTimer(Interval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            HashSet<string> missing;
            try
            {
                using var response = await http.GetAsync($"/api/queues/{vhost}?columns=name,consumers", stoppingToken);
                if (!response.IsSuccessStatusCode)
                {
                    missingFor.Clear();
                    continue;
                }
                using var queues = JsonDocument.Parse(await response.Content.ReadAsStreamAsync(stoppingToken));
                missing = [.. queues.RootElement.EnumerateArray()
                    .Where(q => q.GetProperty("name").GetString() is { } name && IsWorkflowQueue(name)
                        && q.TryGetProperty("consumers", out var consumers) && consumers.GetInt32() == 0)
                    .Select(q => q.GetProperty("name").GetString()!)];
            }
            catch (Exception ex) when (ex is HttpRequestException or JsonException or TaskCanceledException && !stoppingToken.IsCancellationRequested)
            {
                // The broker itself is away: MassTransit reconnects on its own; count again once it answers.
                missingFor.Clear();
                continue;
            }

            missingFor = missing.ToDictionary(name => name, name => missingFor.GetValueOrDefault(name) + 1);
            var stuck = missingFor.Where(q => q.Value >= ChecksBeforeExit).Select(q => q.Key).Order().ToList();
            if (stuck.Count == 0) continue;

            var reason = $"Queue(s) {string.Join(", ", stuck)} have had no consumer for {(int)((ChecksBeforeExit - 1) * Interval.TotalSeconds)} s or more "
                + "although the broker is up: this Orchestrator's message endpoints did not recover from the broker's restart. "
                + "Exiting so that a fresh process takes the work over (in-flight messages return to their queues).";
            logger.LogCritical("{Reason}", reason);
            // Give the console and OpenTelemetry exporters a moment with the line above; the process is beyond a graceful stop
            // (that would wait for the stuck endpoint).
            await Task.Delay(TimeSpan.FromSeconds(1), CancellationToken.None);
            Environment.FailFast(reason);
        }
    }

    /// <summary>The saga's queue and the agent steps' queues (not the Api's, not error queues).</summary>
    private static bool IsWorkflowQueue(string name) => name == "task-workflow-state" || name.EndsWith(StepQueues.Suffix, StringComparison.Ordinal);
}
