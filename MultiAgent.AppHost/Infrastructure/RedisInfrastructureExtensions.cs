using System.Globalization;
using Aspire.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace MultiAgent.AppHost.Infrastructure;

public static class RedisInfrastructureExtensions
{
    /// <summary>
    /// Adds Redis: Aspire's Redis container in containers mode (and always when publishing), else the local
    /// <c>redis-server</c> as an executable resource with a password, appendonly persistence and the same
    /// connection-string shape (<c>host:port,password=...</c>).
    /// </summary>
    public static IResourceBuilder<IResourceWithConnectionString> AddMultiAgentRedis(
        this IDistributedApplicationBuilder builder, [ResourceName] string name)
    {
        var context = InfrastructureContext.Get(builder);
        if (context.Mode == InfrastructureMode.Containers)
        {
            var port = builder.ExecutionContext.IsRunMode ? context.Settings.RedisPort : (int?)null;
            return builder.AddRedis(name, port: port).WithDataVolume();
        }

        var settings = context.Settings;
        var binaries = context.Binaries!;
        var password = ParameterResourceBuilderExtensions.CreateDefaultPasswordParameter(builder, $"{name}-password", special: false);
        var resource = new RedisProcessResource(name, settings.DataDirectory, password);

        var healthCheckKey = $"{name}_process_check";
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
            healthCheckKey, _ => new RedisServerHealthCheck(resource, settings.RedisPort), failureStatus: null, tags: null));

        return builder.AddResource(resource)
            .WithArgs(Path.Combine(InfrastructureContext.ScriptsDirectory, "redis.sh"))
            .WithEndpoint(port: settings.RedisPort, targetPort: settings.RedisPort, scheme: "tcp",
                name: RedisProcessResource.PrimaryEndpointName, isProxied: false)
            .WithEnvironment(env =>
            {
                env.EnvironmentVariables["REDIS_SERVER"] = binaries.RedisServer;
                env.EnvironmentVariables["REDIS_DATA_DIR"] = Path.Combine(settings.DataDirectory, name);
                env.EnvironmentVariables["REDIS_PORT"] = settings.RedisPort.ToString(CultureInfo.InvariantCulture);
                env.EnvironmentVariables["REDIS_PASSWORD"] = resource.PasswordParameter;
            })
            .WithHealthCheck(healthCheckKey)
            .WithIconName("Memory")
            .ExcludeFromManifest();
    }
}
