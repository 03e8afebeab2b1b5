using System.Net;
using System.Net.Sockets;

namespace CallGrains.Tests.Shared;

/// <summary>Ports for the servers that tests and the bench start on 127.0.0.1.</summary>
/// <remarks>
/// Asking the kernel for port 0 and closing the listener is not safe enough. Once the listener is closed, the next ask
/// may get the same port, so an API and its silo were once given one port and the API failed to bind. And any outgoing
/// connection may take an ephemeral port before the server binds it. So ports come from below the kernel's ephemeral
/// range, each at most once per process, and are checked free by a bind. Test processes that run side by side start at
/// random places in that range, so they rarely pick the same port in the same seconds.
/// </remarks>
public static class LoopbackPorts
{
    private const int Lowest = 20_000;
    private static readonly Lock Gate = new();
    private static readonly HashSet<int> Given = [];
    private static readonly int EphemeralStart = ReadEphemeralStart();

    public static int FreePort()
    {
        lock (Gate)
        {
            var span = EphemeralStart - Lowest;
            var start = Random.Shared.Next(span);
            for (var i = 0; i < span; i++)
            {
                var port = Lowest + (start + i) % span;
                if (!Given.Contains(port) && CanListenOn(port) && Given.Add(port)) return port;
            }
            throw new InvalidOperationException($"No free loopback port between {Lowest} and {EphemeralStart}.");
        }
    }

    private static bool CanListenOn(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    // Linux names its range in /proc; elsewhere the IANA range (49152 up) is the usual one.
    private static int ReadEphemeralStart()
    {
        const string range = "/proc/sys/net/ipv4/ip_local_port_range";
        var first = File.Exists(range) ? File.ReadAllText(range).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() : null;
        return int.TryParse(first, out var start) && start > Lowest + 1_000 ? start : 49_152;
    }
}
