using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using MultiAgent.Data.Identity;
using Npgsql;

namespace MultiAgent.Data;

public static class DataExtensions
{
    /// <summary>Connection name of the database resource in the AppHost.</summary>
    public const string DatabaseName = "multiagentdb";

    /// <param name="retryOnFailure">
    /// Let EF Core retry failed commands (Aspire's default). A service that runs its own transactions and retries whole
    /// messages instead (the Orchestrator) turns it off: EF's retrying strategy refuses user-started transactions.
    /// </param>
    /// <param name="maxPoolSize">
    /// The most connections this process opens (unless the connection string says otherwise): a service with hundreds of
    /// concurrent consumers queues for a few connections instead of taking the server's whole <c>max_connections</c>.
    /// </param>
    public static IHostApplicationBuilder AddMultiAgentDatabase(this IHostApplicationBuilder builder, bool retryOnFailure = true, int? maxPoolSize = null)
    {
        builder.AddNpgsqlDbContext<MultiAgentDbContext>(DatabaseName, settings =>
        {
            settings.DisableRetry = !retryOnFailure;
            if (maxPoolSize is { } size && settings.ConnectionString is { } connectionString)
            {
                var connection = new NpgsqlConnectionStringBuilder(connectionString);
                if (!connectionString.Contains("Pool Size", StringComparison.OrdinalIgnoreCase)) connection.MaxPoolSize = size;
                settings.ConnectionString = connection.ConnectionString;
            }
        });
        return builder;
    }

    /// <summary>
    /// ASP.NET Core Identity's user and role managers over <see cref="MultiAgentDbContext"/>, with the password and
    /// lockout rules of the platform. Used by the Api (sign-up, sign-in) and the migration service (admin seeding).
    /// </summary>
    public static IdentityBuilder AddMultiAgentIdentity(this IServiceCollection services) =>
        services.AddIdentityCore<ApplicationUser>(options =>
            {
                options.User.RequireUniqueEmail = true;
                options.Password.RequiredLength = 12;
                options.Password.RequireDigit = true;
                options.Password.RequireLowercase = true;
                options.Password.RequireUppercase = true;
                options.Password.RequireNonAlphanumeric = true;
                options.Lockout.AllowedForNewUsers = true;
                options.Lockout.MaxFailedAccessAttempts = 10;
                options.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(5);
            })
            .AddRoles<IdentityRole>()
            .AddEntityFrameworkStores<MultiAgentDbContext>();
}
