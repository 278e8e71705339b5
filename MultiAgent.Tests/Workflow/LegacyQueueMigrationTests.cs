using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using MultiAgent.Orchestrator.Workflow;
using RabbitMQ.Client;

namespace MultiAgent.Tests.Workflow;

/// <summary>
/// A data directory of the earlier version keeps its step queues (no x-max-priority) with whatever was queued when it
/// stopped; today's queues have new names. The migration moves the messages to the successors and removes the old queues.
/// Against the real RabbitMQ the AppHost starts.
/// </summary>
[Collection(WorkflowCollection.Name)]
[Trait("Category", "Workflow")]
public class LegacyQueueMigrationTests(WorkflowFixture workflow)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Messages_left_in_an_earlier_versions_queue_move_to_its_successor_and_the_old_queue_goes()
    {
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var legacy = $"execute-subtask-{suffix}";
        var successor = legacy + ".prioritized";
        var gone = $"complete-task-{suffix}";
        var factory = new ConnectionFactory { Uri = new Uri(workflow.RabbitMqConnectionString) };
        await using var connection = await factory.CreateConnectionAsync(Ct);
        await using var channel = await connection.CreateChannelAsync(cancellationToken: Ct);

        // The earlier version's queues, as it declared them, with three queued steps; today's successor, with priorities.
        await channel.QueueDeclareAsync(legacy, durable: true, exclusive: false, autoDelete: false, cancellationToken: Ct);
        await channel.QueueDeclareAsync(gone, durable: true, exclusive: false, autoDelete: false, cancellationToken: Ct);
        await channel.QueueDeclareAsync(successor, durable: true, exclusive: false, autoDelete: false,
            arguments: new Dictionary<string, object?> { ["x-max-priority"] = (int)MessagePriority.Max }, cancellationToken: Ct);
        for (var i = 1; i <= 3; i++)
        {
            var properties = new BasicProperties { Persistent = true, MessageId = $"m{i}", ContentType = "application/vnd.masstransit+json" };
            await channel.BasicPublishAsync("", legacy, mandatory: false, properties, Encoding.UTF8.GetBytes($"{{\"step\":{i}}}"), Ct);
        }

        var moved = await LegacyQueueMigration.MigrateAsync(new Uri(workflow.RabbitMqConnectionString),
            new Dictionary<string, string?> { [legacy] = successor, [gone] = null, [$"never-existed-{suffix}"] = successor },
            NullLogger.Instance, Ct);

        Assert.Equal(3, moved);
        var bodies = new List<string>();
        while (await channel.BasicGetAsync(successor, autoAck: true, Ct) is { } message)
        {
            bodies.Add(Encoding.UTF8.GetString(message.Body.Span));
            Assert.Equal("application/vnd.masstransit+json", message.BasicProperties.ContentType);
        }
        Assert.Equal(["{\"step\":1}", "{\"step\":2}", "{\"step\":3}"], bodies);
        await AssertGoneAsync(connection, legacy);
        await AssertGoneAsync(connection, gone);
        await channel.QueueDeleteAsync(successor, cancellationToken: Ct);
    }

    private static async Task AssertGoneAsync(IConnection connection, string queue)
    {
        await using var probe = await connection.CreateChannelAsync(cancellationToken: Ct);
        await Assert.ThrowsAsync<RabbitMQ.Client.Exceptions.OperationInterruptedException>(() => probe.QueueDeclarePassiveAsync(queue, Ct));
    }
}
