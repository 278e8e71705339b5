using Aspire.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace MultiAgent.AppHost.Infrastructure;

public static class PostgresInfrastructureExtensions
{
    /// <summary>
    /// Adds the PostgreSQL server: Aspire's Postgres container in containers mode (and always when publishing),
    /// else the local <c>postgres</c> binaries as an executable resource. Either way the resource is named
    /// <paramref name="name"/> and exposes the same Npgsql connection string.
    /// </summary>
    public static IResourceBuilder<IResourceWithConnectionString> AddMultiAgentPostgres(
        this IDistributedApplicationBuilder builder, [ResourceName] string name)
    {
        var context = InfrastructureContext.Get(builder);
        if (context.Mode == InfrastructureMode.Containers)
        {
            var port = builder.ExecutionContext.IsRunMode ? context.Settings.PostgresPort : (int?)null;
            // Room for every service's pool with replicas (the processes mode's postgres.sh says the same).
            return builder.AddPostgres(name, port: port).WithDataVolume().WithArgs("-c", "max_connections=300");
        }

        return builder.AddPostgresProcess(name, context);
    }

    /// <summary>
    /// Adds a database to a server made by <see cref="AddMultiAgentPostgres"/>; services reference it with
    /// <c>WithReference(db).WaitFor(db)</c> in both modes.
    /// </summary>
    public static IResourceBuilder<IResourceWithConnectionString> AddDatabase(
        this IResourceBuilder<IResourceWithConnectionString> server, [ResourceName] string name, string? databaseName = null)
    {
        ArgumentNullException.ThrowIfNull(server);
        switch (server.Resource)
        {
            case PostgresServerResource container:
                // Named explicitly: from this namespace, plain AddDatabase would bind to this very method.
                return Aspire.Hosting.PostgresBuilderExtensions.AddDatabase(
                    server.ApplicationBuilder.CreateResourceBuilder(container), name, databaseName);

            case PostgresProcessResource process:
            {
                var database = new PostgresProcessDatabaseResource(name, databaseName ?? name, process);
                process.AddDatabase(name, database.DatabaseName);
                // Aspire mirrors a parent's state onto its child resources only for containers; do it here, so the
                // database is Running (and, through its parent's health check, Healthy) exactly when the server is.
                server.ApplicationBuilder.Eventing.Subscribe<InitializeResourceEvent>(database, (e, _) =>
                {
                    var stopping = e.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
                    Task.Run(() => MirrorParentStateAsync(e.Notifications, database, stopping), stopping);
                    return Task.CompletedTask;
                });
                return server.ApplicationBuilder.AddResource(database)
                    .WithIconName("Database")
                    .ExcludeFromManifest();
            }

            default:
                throw new InvalidOperationException(
                    $"'{server.Resource.Name}' is not a PostgreSQL server added with AddMultiAgentPostgres.");
        }
    }

    private static async Task MirrorParentStateAsync(
        ResourceNotificationService notifications, PostgresProcessDatabaseResource database, CancellationToken cancellationToken)
    {
        string? lastState = null;
        try
        {
            await foreach (var update in notifications.WatchAsync(cancellationToken).ConfigureAwait(false))
            {
                var parent = update.Snapshot;
                if (update.Resource != database.Parent || parent.State?.Text == lastState)
                {
                    continue;
                }

                lastState = parent.State?.Text;
                await notifications.PublishUpdateAsync(database, s => s with
                {
                    State = parent.State,
                    StartTimeStamp = parent.StartTimeStamp,
                    StopTimeStamp = parent.StopTimeStamp,
                }).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private static IResourceBuilder<PostgresProcessResource> AddPostgresProcess(
        this IDistributedApplicationBuilder builder, string name, InfrastructureContext context)
    {
        var settings = context.Settings;
        var binaries = context.Binaries!;
        // Same parameter name, and so the same user secret, as Aspire's Postgres container: "<name>-password".
        var password = ParameterResourceBuilderExtensions.CreateDefaultPasswordParameter(builder, $"{name}-password", special: false);
        var resource = new PostgresProcessResource(name, settings.DataDirectory, password);

        var healthCheckKey = $"{name}_process_check";
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
            healthCheckKey, _ => new PostgresServerHealthCheck(resource), failureStatus: null, tags: null));

        return builder.AddResource(resource)
            .WithArgs(Path.Combine(InfrastructureContext.ScriptsDirectory, "postgres.sh"))
            .WithEndpoint(port: settings.PostgresPort, targetPort: settings.PostgresPort, scheme: "tcp",
                name: PostgresProcessResource.PrimaryEndpointName, isProxied: false)
            .WithEnvironment(env =>
            {
                env.EnvironmentVariables["PG_BIN"] = binaries.PostgresBinDirectory;
                env.EnvironmentVariables["PG_DATA_ROOT"] = Path.Combine(settings.DataDirectory, name);
                env.EnvironmentVariables["PG_PORT"] = settings.PostgresPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
                env.EnvironmentVariables["POSTGRES_PASSWORD"] = resource.PasswordParameter;
            })
            .WithHealthCheck(healthCheckKey)
            .WithIconName("DatabaseMultiple")
            .ExcludeFromManifest();
    }
}
