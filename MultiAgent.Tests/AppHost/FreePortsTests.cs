using System.Net;
using System.Net.Sockets;

namespace MultiAgent.Tests.AppHost;

public class FreePortsTests
{
    [Fact]
    public void Ports_for_the_servers_are_distinct_free_and_below_the_ephemeral_range()
    {
        var first = TestAppHost.FreePorts(6);
        var second = TestAppHost.FreePorts(6);

        Assert.Equal(12, first.Concat(second).Distinct().Count());
        var ephemeralStart = File.Exists("/proc/sys/net/ipv4/ip_local_port_range")
            ? int.Parse(File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[])['\t', ' ', '\n'], StringSplitOptions.RemoveEmptyEntries)[0])
            : 49_152;
        Assert.All(first.Concat(second), port => Assert.InRange(port, 10_000, ephemeralStart - 1));
        foreach (var port in first)
        {
            var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            listener.Stop();
        }
    }
}
