using System.Diagnostics;

namespace CallGrains.Telemetry;

/// <summary>
/// CallGrains' own spans: the journal append a grain waits for, and the commit that makes it durable. Together with
/// ASP.NET Core's and Orleans' spans they make one trace from the HTTP push to the database commit.
/// </summary>
public static class CallGrainsTracing
{
    public const string SourceName = "CallGrains";

    /// <summary>The sources Orleans' activity propagation starts its grain-call spans on.</summary>
    public static readonly string[] OrleansSourceNames = ["Microsoft.Orleans.Runtime", "Microsoft.Orleans.Application"];

    public static ActivitySource Source { get; } = new(SourceName);
}
