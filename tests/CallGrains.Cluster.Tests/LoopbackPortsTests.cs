using System.Net;
using System.Net.Sockets;
using CallGrains.Tests.Shared;

namespace CallGrains.Cluster.Tests;

/// <summary>The ports the tests start their servers on: a clash shows up only as a rare failed start, so it is pinned here.</summary>
public sealed class LoopbackPortsTests
{
    [Fact]
    public void A_port_is_given_once_per_process_even_after_its_check_listener_is_closed()
    {
        var ports = Enumerable.Range(0, 300).Select(_ => LoopbackPorts.FreePort()).ToList();

        Assert.Equal(ports.Count, ports.Distinct().Count());
    }

    [Fact]
    public void Ports_come_from_below_the_kernels_ephemeral_range_so_outgoing_connections_cannot_take_them()
    {
        var range = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);

        var port = LoopbackPorts.FreePort();

        Assert.InRange(port, 20_000, int.Parse(range[0]) - 1);
        using var listener = new TcpListener(IPAddress.Loopback, port);
        listener.Start();
    }
}
