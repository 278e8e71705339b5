using Microsoft.AspNetCore.Components.Server.Circuits;

namespace MultiAgent.Web.Services;

/// <summary>
/// Whether someone is on the other end of this circuit. A closed tab leaves its circuit retained for minutes (so a
/// reconnect finds it), and a page's refresh timer would keep calling the Api for nobody: pages ask this first.
/// </summary>
public sealed class CircuitPresence
{
    public bool IsConnected { get; internal set; } = true;
}

internal sealed class CircuitPresenceHandler(CircuitPresence presence) : CircuitHandler
{
    public override Task OnConnectionUpAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        presence.IsConnected = true;
        return Task.CompletedTask;
    }

    public override Task OnConnectionDownAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        presence.IsConnected = false;
        return Task.CompletedTask;
    }
}
