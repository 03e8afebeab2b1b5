using CallGrains.Domain.Calls;
using CallGrains.Domain.Changes;
using CallGrains.Domain.Pushes;
using CallGrains.Storage;

namespace CallGrains.Tests.Shared;

/// <summary>Journal entries and call rows as a store is handed them, for the tests of the stores themselves.</summary>
public static class StoredCalls
{
    /// <summary>Whole seconds: PostgreSQL keeps microseconds, so times built from it compare exactly with the in-memory store.</summary>
    public static readonly DateTimeOffset T0 = new(2026, 3, 1, 8, 0, 0, TimeSpan.Zero);

    public static JournalEntry Entry(string sessionId, string itemKey, string body = "{}", DateTimeOffset? receivedAt = null) =>
        new(new PushItem(sessionId, "callout", body, receivedAt ?? T0), itemKey, ChangedView: true);

    /// <summary>
    /// A row whose update time and view follow from its version, so that a store keeping the wrong version of a
    /// call is seen in every column. A negative version is one the calls table refuses.
    /// </summary>
    public static CallRow Row(
        string sessionId, int version, DateTimeOffset? firstReceivedAt = null, string? userData = null,
        CallStatus status = CallStatus.Dialing, CallOutcome? outcome = null, bool final = false)
    {
        var first = firstReceivedAt ?? T0;
        return new(sessionId, userData, status, outcome, final, first, first.AddSeconds(version), version,
            ViewJson.FromText($$"""{"sessionId":"{{sessionId}}","status":"{{status}}","version":{{version}}}"""));
    }

    /// <summary>An entry and its row as one append, with the change type a grain would give (a final row made the call final).</summary>
    public static CallAppend Append(JournalEntry entry, CallRow row) =>
        new(entry, row, ChangeTypes.Of(wasFinal: false, isFinal: row.Final));

    public static Task AppendAsync(this IPushJournal journal, JournalEntry entry, CallRow row) =>
        journal.AppendAsync(Append(entry, row));
}
