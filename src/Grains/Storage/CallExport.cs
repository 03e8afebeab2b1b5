using CallGrains.Domain.Calls;

namespace CallGrains.Storage;

/// <summary>
/// The billing export's reads: final calls of a period with their registered request, oldest first in keyset
/// pages, and the totals of those same calls per business id. Both read the calls projection and the requests
/// projection together, so that a page costs one query however many requests its calls belong to.
/// </summary>
public interface ICallExport
{
    /// <summary>Up to <paramref name="limit"/> calls of <paramref name="query"/> strictly after <paramref name="after"/> (from the start when null), in export order.</summary>
    Task<IReadOnlyList<ExportedCall>> ReadExportAsync(ExportQuery query, ExportCursor? after, int limit, CancellationToken cancellationToken = default);

    /// <summary>
    /// The totals of every call <see cref="ReadExportAsync"/> pages through for <paramref name="query"/>, one per
    /// business id in ordinal order, calls without a registered request first (business id null).
    /// </summary>
    IAsyncEnumerable<BillingTotal> ReadTotalsAsync(ExportQuery query, CancellationToken cancellationToken = default);
}

/// <summary>
/// Which calls an export holds: final, first heard of in [<see cref="Since"/>, <see cref="Until"/>), and unchanged
/// since <see cref="AsOf"/> (when the export started), so that its pages and its totals count the same calls even
/// while pushes arrive.
/// </summary>
/// <param name="Tenant">Only the calls this tenant owns; null for every call.</param>
public sealed record ExportQuery(DateTimeOffset Since, DateTimeOffset Until, DateTimeOffset AsOf, TenantScope? Tenant = null)
{
    public bool Matches(CallRow row) =>
        row.Final && row.FirstReceivedAt >= Since && row.FirstReceivedAt < Until && row.UpdatedAt <= AsOf
        && (Tenant is null || Tenant.Owns(row.UserData));
}

/// <summary>
/// Keyset position in export order, oldest first: the last exported call's (FirstReceivedAt, SessionId). A call's
/// first receipt never changes, so a call is exported once however the pages fall.
/// </summary>
public sealed record ExportCursor(DateTimeOffset FirstReceivedAt, string SessionId)
{
    public static ExportCursor After(ExportedCall call) => new(call.FirstReceivedAt, call.SessionId);

    public static int Compare(DateTimeOffset firstReceivedAt, string sessionId, DateTimeOffset otherFirstReceivedAt, string otherSessionId)
    {
        var byTime = firstReceivedAt.CompareTo(otherFirstReceivedAt);
        return byTime != 0 ? byTime : string.CompareOrdinal(sessionId, otherSessionId);
    }

    /// <summary>True when <paramref name="row"/> comes after this position in export order.</summary>
    public bool Precedes(CallRow row) => Compare(row.FirstReceivedAt, row.SessionId, FirstReceivedAt, SessionId) > 0;
}

/// <summary>One exported call: its stored view as contract JSON and the request registered for its userData, if any.</summary>
public sealed record ExportedCall(string SessionId, string? UserData, DateTimeOffset FirstReceivedAt, ViewJson ViewJson, RequestRow? Request);

/// <summary>The calls of one business id in an export, and their summed talk time and billable minutes.</summary>
/// <param name="BusinessId">Null for the calls without a registered request.</param>
public sealed record BillingTotal(string? BusinessId, long Calls, long TalkSeconds, long BillableMinutes);
