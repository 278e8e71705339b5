using System.Globalization;
using Aspire.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace MultiAgent.AppHost.Infrastructure;

public static class RabbitMQInfrastructureExtensions
{
    /// <summary>
    /// Adds RabbitMQ with its management UI: Aspire's RabbitMQ container in containers mode (and always when
    /// publishing), else the local <c>rabbitmq-server</c> as an executable resource with its own epmd on a private
    /// port. The connection string is an AMQP URI in both modes.
    /// </summary>
    public static IResourceBuilder<IResourceWithConnectionString> AddMultiAgentRabbitMQ(
        this IDistributedApplicationBuilder builder, [ResourceName] string name)
    {
        var context = InfrastructureContext.Get(builder);
        var settings = context.Settings;
        if (context.Mode == InfrastructureMode.Containers)
        {
            var run = builder.ExecutionContext.IsRunMode;
            return builder.AddRabbitMQ(name, port: run ? settings.RabbitMQPort : null)
                .WithManagementPlugin(port: run ? settings.RabbitMQManagementPort : null)
                .WithDataVolume();
        }

        var binaries = context.Binaries!;
        var password = ParameterResourceBuilderExtensions.CreateDefaultPasswordParameter(builder, $"{name}-password", special: false);
        var resource = new RabbitMQProcessResource(name, settings.DataDirectory, password);

        var healthCheckKey = $"{name}_process_check";
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
            healthCheckKey, _ => new RabbitMQServerHealthCheck(resource), failureStatus: null, tags: null));

        return builder.AddResource(resource)
            .WithArgs(Path.Combine(InfrastructureContext.ScriptsDirectory, "rabbitmq.sh"))
            .WithEndpoint(port: settings.RabbitMQPort, targetPort: settings.RabbitMQPort, scheme: "tcp",
                name: RabbitMQProcessResource.PrimaryEndpointName, isProxied: false)
            .WithHttpEndpoint(port: settings.RabbitMQManagementPort, targetPort: settings.RabbitMQManagementPort,
                name: RabbitMQProcessResource.ManagementEndpointName, isProxied: false)
            .WithEnvironment(env =>
            {
                env.EnvironmentVariables["RABBITMQ_BIN_DIR"] = binaries.RabbitMQBinDirectory;
                env.EnvironmentVariables["EPMD_BIN"] = binaries.Epmd ?? "";
                env.EnvironmentVariables["RABBITMQ_DATA_ROOT"] = Path.Combine(settings.DataDirectory, name);
                env.EnvironmentVariables["RABBITMQ_NODE_PORT"] = settings.RabbitMQPort.ToString(CultureInfo.InvariantCulture);
                env.EnvironmentVariables["RABBITMQ_DIST_PORT"] = settings.RabbitMQDistPort.ToString(CultureInfo.InvariantCulture);
                env.EnvironmentVariables["RABBITMQ_MANAGEMENT_PORT"] = settings.RabbitMQManagementPort.ToString(CultureInfo.InvariantCulture);
                env.EnvironmentVariables["ERL_EPMD_PORT"] = settings.EpmdPort.ToString(CultureInfo.InvariantCulture);
                env.EnvironmentVariables["RABBITMQ_APP_USER"] = RabbitMQProcessResource.UserName;
                env.EnvironmentVariables["RABBITMQ_APP_PASSWORD"] = resource.PasswordParameter;
            })
            .WithHealthCheck(healthCheckKey)
            .WithIconName("Mailbox")
            .ExcludeFromManifest();
    }
}
