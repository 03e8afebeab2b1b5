using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace CallGrains.Api.Hosting;

/// <summary>Bound from the "CallGrains" configuration section (appsettings, environment CallGrains__*, command line).</summary>
public sealed class CallGrainsOptions
{
    public const string Section = "CallGrains";

    /// <summary>
    /// The business keys are bound from this section too, by <see cref="CallGrains.Operability.Access.ApiKeyOptions"/>
    /// (<c>ApiKeys</c>, <c>ApiKeyHashes</c>, <c>Tenants</c>); none means the business endpoints are open.
    /// Cluster mode holds real customers' calls, so it will not start with the business endpoints open by
    /// accident: set this to serve them without keys on purpose (e.g. behind a gateway that authenticates).
    /// </summary>
    public bool AllowAnonymous { get; set; }

    /// <summary>
    /// Addresses or CIDR ranges of the reverse proxies in front of this service, whose X-Forwarded-For is believed.
    /// Empty (the default): the connection's own address is the client's, whatever a header claims.
    /// </summary>
    public string[] KnownProxies { get; set; } = [];

    /// <summary>Largest accepted push or request body; larger ones get 413.</summary>
    [Range(1024, 64 * 1024 * 1024)]
    public long MaxBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>Seconds a client is told to wait (Retry-After) when the store cannot commit.</summary>
    [Range(1, 3600)]
    public int RetryAfterSeconds { get; set; } = 5;

    /// <summary>Show collected digits as '*' in views and events (the journal keeps them).</summary>
    public bool MaskDigits { get; set; }

    [ValidateObjectMembers]
    public EmbeddedSiloOptions Embedded { get; set; } = new();
}

/// <summary>The in-process silo of the embedded default (localhost clustering, memory storage).</summary>
public sealed class EmbeddedSiloOptions
{
    [Range(1, 65535)]
    public int SiloPort { get; set; } = 11111;

    [Range(1, 65535)]
    public int GatewayPort { get; set; } = 30000;
}
