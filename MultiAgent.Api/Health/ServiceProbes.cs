using MassTransit;
using Microsoft.EntityFrameworkCore;
using MultiAgent.Data;
using StackExchange.Redis;

namespace MultiAgent.Api.Health;

/// <summary>
/// Probes the services the Api depends on for GET /api/v1/health, each with a short timeout so a dead dependency
/// reads as unhealthy instead of hanging the report.
/// </summary>
public sealed class ServiceProbes(
    MultiAgentDbContext db,
    IConnectionMultiplexer redis,
    IBusControl bus,
    AiGatewayProbe aiGateway,
    ILogger<ServiceProbes> logger)
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(3);

    public Task<bool> DatabaseAsync(CancellationToken cancellationToken) => ProbeAsync("database", async ct =>
    {
        // A real query against our schema, not just an open connection.
        await db.Agents.AsNoTracking().AnyAsync(ct);
    }, cancellationToken);

    public Task<bool> RedisAsync(CancellationToken cancellationToken) => ProbeAsync("redis", async ct =>
        await redis.GetDatabase().PingAsync().WaitAsync(ct), cancellationToken);

    public Task<bool> AiServiceAsync(CancellationToken cancellationToken) => ProbeAsync("ai_service", aiGateway.CheckAsync, cancellationToken);

    public Task<bool> MessageQueueAsync(CancellationToken cancellationToken) =>
        Task.FromResult(bus.CheckHealth().Status == BusHealthStatus.Healthy);

    private async Task<bool> ProbeAsync(string service, Func<CancellationToken, Task> probe, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        try
        {
            await probe(timeout.Token);
            return true;
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning("Health probe of {Service} failed: {Reason}", service, ex.Message);
            return false;
        }
    }
}

/// <summary>GET http://aigateway/health through service discovery; no retries, so one probe is one request.</summary>
public sealed class AiGatewayProbe(HttpClient http)
{
    public const string BaseAddress = "http://aigateway";

    public async Task CheckAsync(CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync("/health", cancellationToken);
        response.EnsureSuccessStatusCode();
    }
}

public static class ServiceProbeExtensions
{
    public static void AddServiceProbes(this IHostApplicationBuilder builder)
    {
        builder.Services.AddScoped<ServiceProbes>();
#pragma warning disable EXTEXP0001 // Experimental-tagged, yet the supported way to opt one client out of the defaults.
        builder.Services.AddHttpClient<AiGatewayProbe>(http =>
            {
                http.BaseAddress = new Uri(AiGatewayProbe.BaseAddress);
                http.Timeout = ServiceProbes.Timeout;
            })
            // The service defaults give every client retries and a circuit breaker; a probe must report what it sees.
            .RemoveAllResilienceHandlers();
#pragma warning restore EXTEXP0001
    }
}
