using System.Net;
using System.Net.Sockets;

namespace CallGrains.Bench;

/// <summary>
/// Where the bench's pushes come from: several loopback addresses, one per connection in turn, as a platform's pushes
/// come from several of its servers. The API limits each client address (<c>CallGrains:Limits:PushesPerSecondPerClient</c>,
/// 10,000/s by default, far above one platform address's real traffic); from a single address a fast host measured that
/// limit instead of the node (2026-11-30: embedded 9,992/s, the node half idle). Each step prints the pushes that were not
/// acknowledged (a 429 among them), so a limit that is hit shows.
/// </summary>
public static class PlatformAddresses
{
    /// <summary>127.0.0.2 to 127.0.0.9: on Linux all of 127.0.0.0/8 is the loopback interface, nothing to set up.</summary>
    public const int Count = 8;

    /// <summary>A handler whose connections to an IPv4 loopback target each start from the next of the addresses.</summary>
    public static SocketsHttpHandler Handler(int connectionsPerServer)
    {
        var turn = -1;
        return new SocketsHttpHandler
        {
            MaxConnectionsPerServer = connectionsPerServer,
            ConnectCallback = async (context, cancellationToken) =>
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    if (IPAddress.TryParse(context.DnsEndPoint.Host, out var target) && IPAddress.IsLoopback(target)
                        && target.AddressFamily == AddressFamily.InterNetwork)
                        socket.Bind(new IPEndPoint(Source((int)((uint)Interlocked.Increment(ref turn) % Count)), 0));
                    await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
    }

    private static IPAddress Source(int index) => new([127, 0, 0, (byte)(2 + index)]);
}
