using System.Diagnostics;
using System.Reflection;
using System.Text.Json;

namespace MultiAgent.Tests.AppHost;

/// <summary>
/// Publishes the deployment manifest that <c>azd</c> consumes, the way a user does
/// (<c>dotnet run --project MultiAgent.AppHost -- --publisher manifest --output-path ...</c>), by running the
/// built AppHost. Publishing never uses local processes, so it works without Docker and without the servers.
/// </summary>
[Trait("Category", "AppHost")]
public sealed class ManifestTests
{
    [Fact]
    public async Task Manifest_lists_every_service_and_backing_resource_as_containers_and_projects()
    {
        var ct = TestContext.Current.CancellationToken;
        var outputDirectory = Directory.CreateTempSubdirectory("multiagent-manifest-").FullName;
        try
        {
            var manifestPath = Path.Combine(outputDirectory, "manifest.json");
            var (exitCode, output) = await PublishManifestAsync(manifestPath, ct);
            Assert.True(exitCode == 0, $"The AppHost exited with {exitCode}:\n{output}");

            using var manifest = JsonDocument.Parse(await File.ReadAllTextAsync(manifestPath, ct));
            var resources = manifest.RootElement.GetProperty("resources");
            string Type(string name) =>
                resources.TryGetProperty(name, out var resource)
                    ? resource.GetProperty("type").GetString()!
                    : throw new Xunit.Sdk.XunitException($"'{name}' is missing from the manifest:\n{output}");

            Assert.Equal("container.v0", Type("postgres"));
            Assert.Equal("value.v0", Type("multiagentdb"));
            Assert.Equal("container.v0", Type("redis"));
            Assert.Equal("container.v0", Type("rabbitmq"));
            foreach (var project in TestAppHost.ProjectNames)
            {
                Assert.Equal("project.v0", Type(project));
            }

            // Connection strings keep the names services read in both infrastructure modes.
            Assert.Contains("Database=multiagentdb", resources.GetProperty("multiagentdb").GetProperty("connectionString").GetString());
            Assert.StartsWith("amqp://", resources.GetProperty("rabbitmq").GetProperty("connectionString").GetString());
        }
        finally
        {
            Directory.Delete(outputDirectory, recursive: true);
        }
    }

    private static async Task<(int ExitCode, string Output)> PublishManifestAsync(string manifestPath, CancellationToken ct)
    {
        var projectPath = Projects.MultiAgent_AppHost.ProjectPath;
        var projectDirectory = projectPath.EndsWith(".csproj", StringComparison.OrdinalIgnoreCase)
            ? Path.GetDirectoryName(projectPath)!
            : projectPath;
        var configuration = typeof(ManifestTests).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
        var appHostDll = Path.Combine(projectDirectory, "bin", configuration, "net10.0", "MultiAgent.AppHost.dll");
        Assert.True(File.Exists(appHostDll), $"The AppHost is not built at {appHostDll}.");

        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = projectDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { appHostDll, "--publisher", "manifest", "--output-path", manifestPath })
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return (process.ExitCode, await stdout + await stderr);
    }
}
