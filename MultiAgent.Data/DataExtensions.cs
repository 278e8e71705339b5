using Microsoft.Extensions.Hosting;

namespace MultiAgent.Data;

public static class DataExtensions
{
    /// <summary>Connection name of the database resource in the AppHost.</summary>
    public const string DatabaseName = "multiagentdb";

    public static IHostApplicationBuilder AddMultiAgentDatabase(this IHostApplicationBuilder builder)
    {
        builder.AddNpgsqlDbContext<MultiAgentDbContext>(DatabaseName);
        return builder;
    }
}
