using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using MassTransit;
using MultiAgent.Orchestrator.Extensions;

namespace MultiAgent.Orchestrator.Workflow;

/// <summary>
/// After the broker restarts, MassTransit reconnects, but now and then a receive endpoint that had a message in flight
/// when the connection dropped never consumes again: the queue keeps its messages and has no consumer, while the bus
/// reports itself healthy (seen in the crash test: the saga's queue with 90 messages ready and 0 consumers). This watchdog
/// asks the broker's management API (<c>RabbitMQ:ManagementUrl</c>, set by the AppHost; off without it) which of the
/// workflow's queues have no consumer; when one stays without for two checks in a row, it restarts the bus, which
/// declares every endpoint and consumes again. The stalled-workflow sweep then re-sends whatever was lost.
/// </summary>
public sealed class ConsumerWatchdog(IConfiguration configuration, IBusControl bus, IHttpClientFactory httpClients, ILogger<ConsumerWatchdog> logger)
    : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(15);

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

        HashSet<string> missingBefore = [];
        using var timer = new PeriodicTimer(Interval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            HashSet<string> missing;
            try
            {
                using var response = await http.GetAsync($"/api/queues/{vhost}?columns=name,consumers", stoppingToken);
                if (!response.IsSuccessStatusCode)
                {
                    missingBefore = [];
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
                // The broker itself is away: MassTransit reconnects on its own; look again at the next tick.
                missingBefore = [];
                continue;
            }

            var stillMissing = missing.Intersect(missingBefore).ToList();
            missingBefore = missing;
            if (stillMissing.Count == 0) continue;

            logger.LogWarning("Queue(s) {Queues} have had no consumer for {Seconds} s although the broker is up; restarting the bus",
                string.Join(", ", stillMissing), (int)(2 * Interval.TotalSeconds));
            try
            {
                using var stopping = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                stopping.CancelAfter(TimeSpan.FromSeconds(30));
                await bus.StopAsync(stopping.Token);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning(ex, "The bus did not stop cleanly; starting it again anyway");
            }
            try
            {
                await bus.StartAsync(stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogError(ex, "The bus did not start again; trying at the next check");
            }
            missingBefore = [];
        }
    }

    /// <summary>The saga's queue and the agent steps' queues (not the Api's, not error queues).</summary>
    private static bool IsWorkflowQueue(string name) => name == "task-workflow-state" || name.EndsWith(StepQueues.Suffix, StringComparison.Ordinal);
}
