using Microsoft.Extensions.Configuration;
using MultiAgent.AppHost.Infrastructure;

namespace MultiAgent.Tests.AppHost;

public sealed class InfrastructureSettingsTests
{
    private static InfrastructureSettings Read(params (string Key, string? Value)[] values) =>
        InfrastructureSettings.FromConfiguration(new ConfigurationBuilder()
            .AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value)))
            .Build());

    [Fact]
    public void Defaults_are_auto_mode_and_fixed_ports_clear_of_a_system_install()
    {
        var settings = Read();

        Assert.Equal(InfrastructureMode.Auto, settings.Mode);
        Assert.Equal(55432, settings.PostgresPort);
        Assert.Equal(56379, settings.RedisPort);
        Assert.Equal(55672, settings.RabbitMQPort);
        Assert.Equal(55673, settings.RabbitMQManagementPort);
        Assert.Equal(55674, settings.RabbitMQDistPort);
        Assert.Equal(54369, settings.EpmdPort);
        int[] systemPorts = [5432, 6379, 5672, 15672, 4369, 25672];
        Assert.Empty(systemPorts.Intersect([settings.PostgresPort, settings.RedisPort, settings.RabbitMQPort,
            settings.RabbitMQManagementPort, settings.RabbitMQDistPort, settings.EpmdPort]));
        Assert.EndsWith("multiagent", settings.DataDirectory);
    }

    [Fact]
    public void Configured_ports_and_directory_win_and_zero_means_the_default()
    {
        var settings = Read(
            ("Infrastructure:Mode", "Processes"),
            ("Infrastructure:DataDirectory", "/tmp/multiagent-x"),
            ("Infrastructure:Ports:Postgres", "40001"),
            ("Infrastructure:Ports:Redis", "0"),
            ("Infrastructure:Ports:RabbitMQ", "40003"),
            ("Infrastructure:Ports:RabbitMQManagement", "40004"),
            ("Infrastructure:Ports:RabbitMQDist", "40005"),
            ("Infrastructure:Ports:Epmd", "40006"));

        Assert.Equal(InfrastructureMode.Processes, settings.Mode);
        Assert.Equal("/tmp/multiagent-x", settings.DataDirectory);
        Assert.Equal(40001, settings.PostgresPort);
        Assert.Equal(InfrastructureSettings.DefaultRedisPort, settings.RedisPort);
        Assert.Equal(40003, settings.RabbitMQPort);
        Assert.Equal(40004, settings.RabbitMQManagementPort);
        Assert.Equal(40005, settings.RabbitMQDistPort);
        Assert.Equal(40006, settings.EpmdPort);
    }

    [Theory]
    [InlineData("Infrastructure:Mode", "kubernetes")]
    [InlineData("Infrastructure:Ports:Postgres", "70000")]
    [InlineData("Infrastructure:Ports:Redis", "redis")]
    public void Invalid_values_are_refused_with_the_setting_named(string key, string value)
    {
        var error = Assert.Throws<InvalidOperationException>(() => Read((key, value)));
        Assert.Contains(key, error.Message);
    }
}
