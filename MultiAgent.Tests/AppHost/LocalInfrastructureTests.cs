using System.Net.Sockets;
using System.Text;
using Npgsql;
using RabbitMQ.Client;

namespace MultiAgent.Tests.AppHost;

/// <summary>
/// Starts the AppHost's backing services in processes mode (the local postgres, redis-server and rabbitmq-server,
/// on free ports with a temporary data directory) and checks that "healthy" means "connectable": each resource's
/// connection string logs in for real.
/// </summary>
[Trait("Category", "AppHost")]
public sealed class LocalInfrastructureTests
{
    private static readonly TimeSpan StartupTimeout = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task Local_servers_become_healthy_and_their_connection_strings_connect()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var host = await TestAppHost.CreateAsync(infrastructureOnly: true, cancellationToken: ct);

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(StartupTimeout);
        var app = await host.StartAsync(timeout.Token);
        foreach (var name in TestAppHost.InfrastructureNames)
        {
            await app.ResourceNotifications.WaitForResourceHealthyAsync(name, timeout.Token);
        }

        // Postgres: the server connection string logs in, and only with the right password.
        var postgres = await app.GetConnectionStringAsync("postgres", ct);
        Assert.NotNull(postgres);
        await using (var connection = new NpgsqlConnection(postgres))
        {
            await connection.OpenAsync(ct);
            await using var command = new NpgsqlCommand("SELECT current_user", connection);
            Assert.Equal("postgres", await command.ExecuteScalarAsync(ct));
        }

        var wrongPassword = new NpgsqlConnectionStringBuilder(postgres) { Password = "not-the-password", Pooling = false };
        await Assert.ThrowsAsync<PostgresException>(async () =>
        {
            await using var connection = new NpgsqlConnection(wrongPassword.ConnectionString);
            await connection.OpenAsync(ct);
        });

        // The database connection string names multiagentdb on the same server (the migration service creates it).
        var database = new NpgsqlConnectionStringBuilder(await app.GetConnectionStringAsync("multiagentdb", ct));
        var server = new NpgsqlConnectionStringBuilder(postgres);
        Assert.Equal("multiagentdb", database.Database);
        Assert.Equal(server.Port, database.Port);
        Assert.Equal(server.Password, database.Password);

        // Redis: "host:port,password=..." answers AUTH and PING.
        var redis = await app.GetConnectionStringAsync("redis", ct);
        Assert.NotNull(redis);
        Assert.Equal(["+OK", "+PONG"], await RedisAuthAndPingAsync(redis, ct));

        // RabbitMQ: the AMQP URI opens a connection and a channel that can declare a queue.
        var rabbitmq = await app.GetConnectionStringAsync("rabbitmq", ct);
        Assert.StartsWith("amqp://", rabbitmq);
        var factory = new ConnectionFactory { Uri = new Uri(rabbitmq!) };
        await using (var connection = await factory.CreateConnectionAsync(ct))
        await using (var channel = await connection.CreateChannelAsync(cancellationToken: ct))
        {
            var queue = await channel.QueueDeclareAsync(exclusive: true, cancellationToken: ct);
            Assert.StartsWith("amq.gen-", queue.QueueName);
        }
    }

    private static async Task<string?[]> RedisAuthAndPingAsync(string connectionString, CancellationToken ct)
    {
        var parts = connectionString.Split(',');
        var hostPort = parts[0].Split(':');
        var password = parts.Single(p => p.StartsWith("password=", StringComparison.Ordinal))["password=".Length..];

        using var client = new TcpClient();
        await client.ConnectAsync(hostPort[0], int.Parse(hostPort[1]), ct);
        var stream = client.GetStream();
        var request = $"*2\r\n$4\r\nAUTH\r\n${Encoding.UTF8.GetByteCount(password)}\r\n{password}\r\n*1\r\n$4\r\nPING\r\n";
        await stream.WriteAsync(Encoding.UTF8.GetBytes(request), ct);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return [await reader.ReadLineAsync(ct), await reader.ReadLineAsync(ct)];
    }
}
