using System.ComponentModel.DataAnnotations;

namespace CallGrains.Silo;

/// <summary>Bound from "CallGrains:Silo": the silo's own HTTP endpoint for operators.</summary>
public sealed class SiloOptions
{
    public const string Section = "CallGrains:Silo";

    /// <summary>
    /// The port /metrics, /health/* and /dashboard listen on (localhost) when no URL is configured the standard way
    /// (ASPNETCORE_URLS, ASPNETCORE_HTTP_PORTS, --urls), which always wins.
    /// </summary>
    [Range(1, 65535)]
    public int HttpPort { get; set; } = 5090;
}
