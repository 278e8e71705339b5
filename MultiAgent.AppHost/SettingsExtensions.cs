using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace MultiAgent.AppHost;

/// <summary>
/// Settings a person gives the AppHost (command line <c>--Workflow:StepConcurrency=64</c>, environment, user secrets) that
/// belong to a service. Aspire does not pass the AppHost's own configuration on, so these do, as environment variables.
/// </summary>
public static class SettingsExtensions
{
    /// <summary>Passes every setting under the given sections of the AppHost's configuration to the service.</summary>
    public static IResourceBuilder<ProjectResource> WithSettings(this IResourceBuilder<ProjectResource> service, IConfiguration configuration,
        params string[] sections)
    {
        foreach (var section in sections)
        {
            foreach (var (key, value) in configuration.GetSection(section).AsEnumerable())
            {
                if (value is not null) service.WithEnvironment(key.Replace(":", "__", StringComparison.Ordinal), value);
            }
        }
        return service;
    }

    /// <summary><c>&lt;Service&gt;:Replicas</c> (default 1): how many processes of a service run behind its endpoint.</summary>
    public static int Replicas(this IConfiguration configuration, string service) =>
        int.TryParse(configuration[$"{service}:Replicas"], NumberStyles.None, CultureInfo.InvariantCulture, out var replicas) && replicas > 0 ? replicas : 1;
}
