using CallGrains.Storage;

namespace CallGrains.Api.Operations;

/// <summary>
/// Which part of the service was missing when a request could not be served, so that a 503 says what happened:
/// a silo that died is not a database outage, and an operator reading the problem (or the metric) must be able to
/// tell them apart. <see cref="Part"/> is a stable word, also the problem's <c>unavailable</c> member.
/// </summary>
public sealed record Unavailability(string Part, string Title, string Detail)
{
    public const string StoragePart = "storage";
    public const string ClusterPart = "cluster";
    public const string DeadlinePart = "deadline";

    public static Unavailability Storage { get; } = new(StoragePart, "Storage unavailable",
        "The store could not commit or read in time; nothing was acknowledged. Retry later.");

    public static Unavailability Cluster { get; } = new(ClusterPart, "Cluster unavailable",
        "The silo that holds this call did not answer (it may have just failed and the cluster has not re-placed " +
        "the call yet); nothing was acknowledged. Retry later.");

    public static Unavailability Deadline { get; } = new(DeadlinePart, "Request timed out",
        "The request did not complete within the service's request time limit (CallGrains:Limits:RequestTimeoutSeconds); " +
        "nothing was acknowledged. Retry later.");

    /// <summary>What the failure says was missing, or null when it is not an outage at all (a bug: a 500).</summary>
    public static Unavailability? Of(Exception exception)
    {
        if (Any(exception, e => e is StoreUnavailableException or Orleans.Serialization.CodecNotFoundException)) return Storage;
        if (Any(exception, e => e is RequestDeadlineException)) return Deadline;
        // Orleans' own failures (a dead or unreachable silo, a rejected message) and its response timeout.
        if (Any(exception, e => e is OrleansException or TimeoutException)) return Cluster;
        return null;
    }

    /// <remarks>
    /// A storage driver's exception that Orleans could not send back arrives as <see cref="Orleans.Serialization.CodecNotFoundException"/>:
    /// the store failed somewhere in the cluster, so it counts as storage.
    /// </remarks>
    private static bool Any(Exception exception, Func<Exception, bool> match) => exception switch
    {
        _ when match(exception) => true,
        AggregateException aggregate => aggregate.InnerExceptions.Any(inner => Any(inner, match)),
        _ => exception.InnerException is { } inner && Any(inner, match),
    };
}

/// <summary>The service's own request time limit ran out (not a timeout inside Orleans or the store).</summary>
public sealed class RequestDeadlineException(TimeSpan limit)
    : TimeoutException($"The request did not complete within {limit.TotalSeconds:0.#} s.");
