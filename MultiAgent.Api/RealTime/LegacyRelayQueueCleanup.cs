using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace MultiAgent.Api.RealTime;

/// <summary>
/// The earlier version relayed progress through a durable queue, <c>api-task-progress</c>, which nothing publishes to any
/// more. A local data directory keeps it across upgrades: it is deleted at startup, with the obsolete messages it may hold.
/// </summary>
public sealed class LegacyRelayQueueCleanup(IConfiguration configuration, ILogger<LegacyRelayQueueCleanup> logger) : BackgroundService
{
    public const string LegacyQueue = "api-task-progress";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (configuration.GetConnectionString(global::Extensions.RabbitMqConnectionName) is not { Length: > 0 } uri) return;
        try
        {
            var factory = new ConnectionFactory { Uri = new Uri(uri), ClientProvidedName = "multiagent-api-queue-cleanup" };
            await using var connection = await factory.CreateConnectionAsync(stoppingToken);
            await using var channel = await connection.CreateChannelAsync(cancellationToken: stoppingToken);
            try
            {
                await channel.QueueDeclarePassiveAsync(LegacyQueue, stoppingToken);
            }
            catch (OperationInterruptedException)
            {
                return;
            }
            await using var delete = await connection.CreateChannelAsync(cancellationToken: stoppingToken);
            var dropped = await delete.QueueDeleteAsync(LegacyQueue, ifUnused: false, ifEmpty: false, cancellationToken: stoppingToken);
            logger.LogInformation("Deleted the earlier version's queue {Queue} ({Count} obsolete message(s))", LegacyQueue, dropped);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogWarning(ex, "Could not delete the earlier version's queue {Queue}; it is unused and can be deleted by hand", LegacyQueue);
        }
    }
}
