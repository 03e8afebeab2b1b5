using System.ComponentModel.DataAnnotations;

namespace CallGrains.Api.Billing;

/// <summary>The bounds of <c>GET /v1/calls/export</c>, from "CallGrains:Export"; each node applies them to its own requests.</summary>
public sealed class ExportOptions
{
    public const string Section = "CallGrains:Export";

    /// <summary>The longest period one export may cover: a month of 31 days by default.</summary>
    [Range(1, 366)]
    public int MaxDays { get; set; } = 31;

    /// <summary>Calls read from the store per query; what one export holds in memory at a time.</summary>
    [Range(1, 10_000)]
    public int PageSize { get; set; } = 1000;

    /// <summary>
    /// Longest an export may take (instead of the business endpoints' request limit, which a month of calls would
    /// exceed); past it the transfer is broken off, so the client sees an incomplete download rather than a short one.
    /// </summary>
    [Range(1, 86_400)]
    public int TimeLimitSeconds { get; set; } = 1800;

    /// <summary>Exports running at once on this node; one more is answered 429 with Retry-After.</summary>
    [Range(1, 64)]
    public int MaxConcurrent { get; set; } = 2;
}
