using Aspire.Hosting;
using MultiAgent.Tests.AppHost;

namespace MultiAgent.Tests.Support;

/// <summary>
/// Postgres and Redis as the real AppHost starts them (processes mode, free ports, a throwaway data directory), without
/// the services or RabbitMQ: for tests that run the AiGateway in-process (<see cref="AiGateway.GatewayFactory"/>) against
/// the real backing servers. One per test collection.
/// </summary>
public sealed class GatewayInfrastructureFixture : IAsyncLifetime
{
    private TestAppHost? _host;

    public string LedgerConnectionString { get; private set; } = "";

    public string RedisConnectionString { get; private set; } = "";

    public async ValueTask InitializeAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        _host = await TestAppHost.CreateAsync(infrastructureOnly: true, cancellationToken: cts.Token);
        foreach (var unused in _host.Builder.Resources.Where(r => r.Name is "rabbitmq" or "multiagentdb").ToList())
        {
            _host.Builder.Resources.Remove(unused);
        }

        var app = await _host.StartAsync(cts.Token);
        await app.ResourceNotifications.WaitForResourceHealthyAsync("postgres", cts.Token);
        await app.ResourceNotifications.WaitForResourceHealthyAsync("redis", cts.Token);
        LedgerConnectionString = await app.GetConnectionStringAsync("aigatewaydb", cts.Token)
            ?? throw new InvalidOperationException("No connection string for aigatewaydb.");
        RedisConnectionString = await app.GetConnectionStringAsync("redis", cts.Token)
            ?? throw new InvalidOperationException("No connection string for redis.");
    }

    public async ValueTask DisposeAsync()
    {
        if (_host is not null) await _host.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class GatewayInfrastructureCollection : ICollectionFixture<GatewayInfrastructureFixture>
{
    public const string Name = "gateway-infrastructure";
}
