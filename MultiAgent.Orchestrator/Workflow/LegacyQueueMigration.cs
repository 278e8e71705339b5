using MultiAgent.Orchestrator.Extensions;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace MultiAgent.Orchestrator.Workflow;

/// <summary>
/// Moves what an earlier version left in its step queues to today's. The step queues declare <c>x-max-priority</c> now, and
/// RabbitMQ refuses to redeclare an existing queue with other arguments, so they have new names (<see cref="StepQueues.Suffix"/>).
/// A local data directory keeps the old queues across upgrades: once the bus is up, each old queue's messages are moved to
/// its successor (so steps queued before the upgrade still run) and the old queue is deleted. Queues of steps that no longer
/// exist are deleted when empty and otherwise left alone with a warning.
/// </summary>
public sealed class LegacyQueueMigration(IConfiguration configuration, ILogger<LegacyQueueMigration> logger) : BackgroundService
{
    /// <summary>Old step queue → the queue that replaces it (null: the step is gone).</summary>
    public static readonly IReadOnlyDictionary<string, string?> Queues = new Dictionary<string, string?>
    {
        ["analyze-task"] = "analyze-task" + StepQueues.Suffix,
        ["select-specialists"] = "select-specialists" + StepQueues.Suffix,
        ["decompose-task"] = "decompose-task" + StepQueues.Suffix,
        ["execute-subtask"] = "execute-subtask" + StepQueues.Suffix,
        ["review-solution"] = "review-solution" + StepQueues.Suffix,
        ["coordinate-solutions"] = "coordinate-solutions" + StepQueues.Suffix,
        ["synthesize-answer"] = "synthesize-answer" + StepQueues.Suffix,
        ["review-final-answer"] = "review-final-answer" + StepQueues.Suffix,
        ["plan-revision"] = "plan-revision" + StepQueues.Suffix,
        ["complete-task"] = null,
        ["fail-task"] = null,
    };

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (configuration.GetConnectionString("rabbitmq") is not { Length: > 0 } uri) return;
        try
        {
            await MigrateAsync(new Uri(uri), Queues, logger, stoppingToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogWarning(ex, "Could not move messages out of the step queues of the earlier version; they stay where they are");
        }
    }

    /// <summary>Moves every message of each existing old queue to its successor (waiting for it to exist), then deletes the old queue.</summary>
    public static async Task<int> MigrateAsync(Uri broker, IReadOnlyDictionary<string, string?> queues, ILogger logger, CancellationToken cancellationToken)
    {
        var factory = new ConnectionFactory { Uri = broker, ClientProvidedName = "multiagent-orchestrator-queue-migration" };
        await using var connection = await factory.CreateConnectionAsync(cancellationToken);
        var moved = 0;
        foreach (var (legacy, successor) in queues)
        {
            await using var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
            uint waiting;
            try
            {
                waiting = (await channel.QueueDeclarePassiveAsync(legacy, cancellationToken)).MessageCount;
            }
            catch (OperationInterruptedException)
            {
                continue; // no such queue: nothing to migrate
            }

            if (successor is null)
            {
                if (waiting > 0)
                {
                    logger.LogWarning("Queue {Queue} of a step that no longer exists holds {Count} message(s); they are left there", legacy, waiting);
                    continue;
                }
                await channel.QueueDeleteAsync(legacy, ifUnused: false, ifEmpty: true, cancellationToken: cancellationToken);
                continue;
            }

            await WaitForQueueAsync(connection, successor, cancellationToken);
            while (await channel.BasicGetAsync(legacy, autoAck: false, cancellationToken) is { } message)
            {
                var properties = new BasicProperties(message.BasicProperties) { Persistent = true };
                await channel.BasicPublishAsync("", successor, mandatory: false, properties, message.Body, cancellationToken);
                await channel.BasicAckAsync(message.DeliveryTag, multiple: false, cancellationToken);
                moved++;
            }
            await channel.QueueDeleteAsync(legacy, ifUnused: false, ifEmpty: true, cancellationToken: cancellationToken);
            logger.LogInformation("Moved the messages of the earlier version's queue {Legacy} to {Successor} and deleted it", legacy, successor);
        }
        return moved;
    }

    private static async Task WaitForQueueAsync(IConnection connection, string queue, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            await using var probe = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
            try
            {
                await probe.QueueDeclarePassiveAsync(queue, cancellationToken);
                return;
            }
            catch (OperationInterruptedException) when (attempt < 120)
            {
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            }
        }
    }
}
