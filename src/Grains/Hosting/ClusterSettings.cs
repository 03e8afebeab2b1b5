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

    /// <summary>
    /// How long a grain call may take before it fails (Orleans' default is 30 s). A push caller that waits
    /// longer has given up already, and the status push is lost either way; failing sooner lets it see 503.
    /// </summary>
    [Range(1, 300)] public int ResponseTimeoutSeconds { get; set; } = 10;

    /// <summary>
    /// How long a silo waits for a peer's probe answer (Orleans' default is 5 s). Three missed probes declare
    /// a peer dead, and until then every push for a call that lived on it fails: shorter is fewer lost pushes.
    /// </summary>
    [Range(1, 60)] public int ProbeTimeoutSeconds { get; set; } = 2;

    /// <summary>
    /// What the API program (<c>CallGrains.Api</c>) is in a cluster: a <see cref="ClusterRole.Node"/> (the default) or a
    /// separate API tier in front of grain-only silos. The grain host (<c>CallGrains.Silo</c>) is always a silo.
    /// </summary>
    [EnumDataType(typeof(ClusterRole))] public ClusterRole Role { get; set; } = ClusterRole.Node;

    public IPAddress ResolveAdvertisedAddress()
    {
        if (IPAddress.TryParse(AdvertisedAddress, out var ip)) return ip;
        var host = AdvertisedAddress.Equals("auto", StringComparison.OrdinalIgnoreCase) ? Dns.GetHostName() : AdvertisedAddress;
        return Dns.GetHostAddresses(host).FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a))
               ?? Dns.GetHostAddresses(host).First(a => a.AddressFamily == AddressFamily.InterNetwork);
    }
}

/// <summary>How the API program takes part in a cluster (<c>CallGrains:Cluster:Role</c>).</summary>
public enum ClusterRole
{
    /// <summary>A silo serving the HTTP API itself: a push's grain call stays in the process when its grain is there.</summary>
    Node,

    /// <summary>An Orleans client of grain-only silos (<c>CallGrains.Silo</c>): every grain call crosses to a silo.</summary>
    Api,
}
