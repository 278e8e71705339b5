using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;
using RabbitMQ.Client;

namespace MultiAgent.AppHost.Infrastructure;

// Readiness of the local servers: each check logs in with the resource's own connection string (or password)
// and speaks the server's protocol, so "healthy" means "a service can connect now".

/// <summary>Opens a Postgres connection with the server's connection string and runs <c>SELECT 1</c>.</summary>
internal sealed class PostgresServerHealthCheck(PostgresProcessResource resource) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var connectionString = await resource.ConnectionStringExpression.GetValueAsync(cancellationToken).ConfigureAwait(false);
            var builder = new NpgsqlConnectionStringBuilder(connectionString)
            {
                Timeout = 3,
                Pooling = false,
                Database = "postgres",
            };
            await using var connection = new NpgsqlConnection(builder.ConnectionString);
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var command = new NpgsqlCommand("SELECT 1", connection);
            await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
            return HealthCheckResult.Healthy();
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy($"Postgres is not accepting connections yet: {ex.Message}");
        }
    }
}

/// <summary>Connects to Redis over TCP and sends <c>AUTH</c> then <c>PING</c> (RESP), expecting <c>+OK</c> and <c>+PONG</c>.</summary>
internal sealed class RedisServerHealthCheck(RedisProcessResource resource, int port) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var password = await resource.PasswordParameter.GetValueAsync(cancellationToken).ConfigureAwait(false) ?? "";
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(3));

            using var client = new TcpClient();
            await client.ConnectAsync("localhost", port, timeout.Token).ConfigureAwait(false);
            var stream = client.GetStream();
            await stream.WriteAsync(Command("AUTH", password), timeout.Token).ConfigureAwait(false);
            await stream.WriteAsync(Command("PING"), timeout.Token).ConfigureAwait(false);

            using var reader = new StreamReader(stream, Encoding.UTF8, leaveOpen: true);
            var auth = await reader.ReadLineAsync(timeout.Token).ConfigureAwait(false);
            var ping = await reader.ReadLineAsync(timeout.Token).ConfigureAwait(false);
            return auth == "+OK" && ping == "+PONG"
                ? HealthCheckResult.Healthy()
                : HealthCheckResult.Unhealthy($"Redis answered '{auth}' to AUTH and '{ping}' to PING.");
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy($"Redis is not accepting connections yet: {ex.Message}");
        }
    }

    private static byte[] Command(params string[] parts)
    {
        var text = new StringBuilder().Append('*').Append(parts.Length).Append("\r\n");
        foreach (var part in parts)
        {
            text.Append('$').Append(Encoding.UTF8.GetByteCount(part)).Append("\r\n").Append(part).Append("\r\n");
        }

        return Encoding.UTF8.GetBytes(text.ToString());
    }
}

/// <summary>Opens an AMQP connection with the broker's URI, which also proves the application user exists.</summary>
internal sealed class RabbitMQServerHealthCheck(RabbitMQProcessResource resource) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var uri = await resource.ConnectionStringExpression.GetValueAsync(cancellationToken).ConfigureAwait(false);
            var factory = new ConnectionFactory
            {
                Uri = new Uri(uri!),
                RequestedConnectionTimeout = TimeSpan.FromSeconds(3),
                AutomaticRecoveryEnabled = false,
                ClientProvidedName = "multiagent-apphost-health",
            };
            await using var connection = await factory.CreateConnectionAsync(cancellationToken).ConfigureAwait(false);
            // A channel proves the user may use the vhost, not just log in.
            await using (var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                await channel.CloseAsync(cancellationToken).ConfigureAwait(false);
            }
            await connection.CloseAsync(cancellationToken).ConfigureAwait(false);
            return HealthCheckResult.Healthy();
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy($"RabbitMQ is not accepting connections yet: {ex.Message}");
        }
    }
}
