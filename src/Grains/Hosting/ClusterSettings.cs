using System.ComponentModel.DataAnnotations;
using System.Net;
using System.Net.Sockets;

namespace CallGrains.Hosting;

/// <summary>
/// Where a silo or client finds its cluster. Bound from "CallGrains:Cluster"; the database itself is
/// the connection string "ConnectionStrings:CallGrains".
/// </summary>
public sealed class ClusterSettings
{
    public const string Section = "CallGrains:Cluster";
    public const string ConnectionStringName = "CallGrains";

    /// <summary>Silos and clients with the same cluster id form one cluster.</summary>
    [Required] public string ClusterId { get; set; } = "callgrains";

    /// <summary>Keys grain state and reminders: keep it stable across deployments.</summary>
    [Required] public string ServiceId { get; set; } = "callgrains";

    [Range(1, 65535)] public int SiloPort { get; set; } = 11111;

    [Range(1, 65535)] public int GatewayPort { get; set; } = 30000;

    /// <summary>The address other silos and clients reach this silo at: an IP, a host name, or "auto" (this host's first IPv4).</summary>
    public string AdvertisedAddress { get; set; } = "127.0.0.1";

    public IPAddress ResolveAdvertisedAddress()
    {
        if (IPAddress.TryParse(AdvertisedAddress, out var ip)) return ip;
        var host = AdvertisedAddress.Equals("auto", StringComparison.OrdinalIgnoreCase) ? Dns.GetHostName() : AdvertisedAddress;
        return Dns.GetHostAddresses(host).FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a))
               ?? Dns.GetHostAddresses(host).First(a => a.AddressFamily == AddressFamily.InterNetwork);
    }
}
