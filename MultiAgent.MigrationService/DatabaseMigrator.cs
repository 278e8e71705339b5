using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using MultiAgent.Data;

namespace MultiAgent.MigrationService;

/// <summary>
/// Applies the EF Core migrations once, seeds the admin account, then stops. The AppHost starts every other service only after this
/// process has exited successfully, so no two services ever race to migrate the schema.
/// </summary>
public sealed class DatabaseMigrator(
    IServiceProvider serviceProvider,
    IHostApplicationLifetime lifetime,
    ILogger<DatabaseMigrator> logger) : BackgroundService
{
    public const string ActivitySourceName = "MultiAgent.Migrations";
    private static readonly ActivitySource ActivitySource = new(ActivitySourceName);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var activity = ActivitySource.StartActivity("Migrating database", ActivityKind.Client);
        try
        {
            using var scope = serviceProvider.CreateScope();
            var db = scope.ServiceProvider.GetRequiredService<MultiAgentDbContext>();
            var pending = (await db.Database.GetPendingMigrationsAsync(stoppingToken)).ToList();

            // The execution strategy retries while the freshly started server is still warming up.
            await db.Database.CreateExecutionStrategy().ExecuteAsync(() => db.Database.MigrateAsync(stoppingToken));

            logger.LogInformation("Database is up to date ({Count} migration(s) applied: {Migrations})",
                pending.Count, pending.Count == 0 ? "none" : string.Join(", ", pending));

            await scope.ServiceProvider.GetRequiredService<AdminSeeder>().SeedAsync();
        }
        catch (Exception ex)
        {
            activity?.AddException(ex);
            logger.LogCritical(ex, "Migrating the database failed; the services will not start. Check that Postgres is reachable and the account may create databases.");
            Environment.ExitCode = 1;
        }

        lifetime.StopApplication();
    }
}
