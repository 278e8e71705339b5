using System.Net;
using System.Net.Sockets;

namespace MultiAgent.Bench;

/// <summary>
/// AppHost arguments for a benchmark's own platform: processes mode, a data directory of its own and free ports for every
/// server, so a benchmark never meets a platform started with `dotnet run` or another run. Linked into the bench projects.
/// </summary>
internal static class IsolatedInfrastructure
{
    public static string[] Arguments(string dataDirectory)
    {
        var ports = FreePorts(6);
        return
        [
            "--Infrastructure:Mode=processes",
            $"--Infrastructure:DataDirectory={dataDirectory}",
            $"--Infrastructure:Ports:Postgres={ports[0]}", $"--Infrastructure:Ports:Redis={ports[1]}", $"--Infrastructure:Ports:RabbitMQ={ports[2]}",
            $"--Infrastructure:Ports:RabbitMQManagement={ports[3]}", $"--Infrastructure:Ports:RabbitMQDist={ports[4]}", $"--Infrastructure:Ports:Epmd={ports[5]}",
        ];
    }

    private static int[] FreePorts(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        listeners.ForEach(l => l.Start());
        var ports = listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToArray();
        listeners.ForEach(l => l.Stop());
        return ports;
    }
}
