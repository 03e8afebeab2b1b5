using System.ComponentModel.DataAnnotations;

namespace CallGrains.Requests;

/// <summary>
/// Bound from "CallGrains:Limits". A business request answers with its calls; one hot <c>userData</c> (a retry loop, a misconfigured
/// client reusing one order id) must not make that answer grow without bound.
/// </summary>
public sealed class RequestLimits
{
    public const string Section = "CallGrains:Limits";
    public const int MaxOfMaxCalls = 100_000;

    /// <summary>Calls a request keeps, newest first; older ones stay listable with GET /v1/calls?userData=.</summary>
    [Range(1, MaxOfMaxCalls)]
    public int MaxCallsPerUserData { get; set; } = 500;
}
