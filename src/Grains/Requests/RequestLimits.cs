namespace CallGrains.Requests;

/// <summary>
/// Bound from "CallGrains:Limits". A business request keeps its calls in memory; one hot <c>userData</c>
/// (a retry loop, a misconfigured client reusing one order id) must not grow that grain without bound.
/// </summary>
public sealed class RequestLimits
{
    public const string Section = "CallGrains:Limits";
    public const int MaxOfMaxCalls = 100_000;

    /// <summary>Calls a request keeps, most recently updated first; older ones stay listable with GET /v1/calls?userData=.</summary>
    public int MaxCallsPerUserData { get; set; } = 500;
}
