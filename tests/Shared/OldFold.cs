using System.Text;
using CallGrains.Domain.Calls;
using CallGrains.Domain.Changes;
using CallGrains.Domain.Pushes;
using CallGrains.Storage;

namespace CallGrains.Tests.Shared;

/// <summary>
/// Calls as a build with an older fold stored them, for the re-derivation's tests: every item journaled under the key
/// that fold computed ("v0|" and the item's position, which the current identity never is), and the calls row at the
/// version it counted, with the view it rendered (what the current fold renders, changed by an old rule) and fold
/// version 0. A changed rule is thus seen exactly as an upgrade finds it: old rows over a journal that says otherwise.
/// </summary>
public static class OldFold
{
    /// <summary>An old rule: the CDR's answer times were not read, so an answered call came out failed, without talk time.</summary>
    public static CallView MissedTheAnswer(CallView view) =>
        view with { Outcome = CallOutcome.Failed, TalkSeconds = null, BillableMinutes = null };

    /// <param name="pushes">Only the call's first pushes; the rest may come later, as pushes.</param>
    /// <param name="storedTwice">An item (by position) the old fold told apart from itself: journaled twice, under two keys.</param>
    public static async Task<OldCall> StoreAsync(
        IPushJournal journal, SampleCall call, Func<CallView, CallView> oldRule, DateTimeOffset receivedAt,
        int pushes = int.MaxValue, int? storedTwice = null)
    {
        var items = new List<PushItem>();
        foreach (var push in call.Pushes.Take(pushes))
            items.AddRange(PushEnvelope.Parse(Encoding.UTF8.GetBytes(push), receivedAt).Items!);
        if (storedTwice is { } twice) items.Add(items[twice]);
        // Whole milliseconds apart: PostgreSQL keeps microseconds, so both stores read back the same times.
        items = [.. items.Select((item, i) => new PushItem(item.SessionId, item.EventType, item.Body, receivedAt.AddMilliseconds(i)))];

        var current = Fold(call.SessionId, items);
        var json = ViewJson.FromUtf8([]);
        for (var i = 0; i < items.Count; i++)
        {
            var old = oldRule(current) with { Version = i + 1 };
            json = ViewJson.Of(old);
            // Only the last row says an older fold wrote it, so that a job walking meanwhile never finds a call half stored.
            var row = CallRow.Of(old, items[0].ReceivedAt, json) with { FoldVersion = i == items.Count - 1 ? 0 : CallFold.Version };
            var entry = new JournalEntry(items[i], $"v0|{i}", ChangedView: true);
            await journal.AppendAsync(new CallAppend(entry, row, ChangeTypes.Of(wasFinal: i > 0 && old.Final, isFinal: old.Final)));
        }
        return new OldCall(call.SessionId, items.Count, items, current, json);
    }

    /// <summary>What the current fold makes of <paramref name="items"/>: each distinct identity once, the time of the last.</summary>
    public static CallView Fold(string sessionId, IReadOnlyList<PushItem> items)
    {
        var facts = CallFacts.Empty(sessionId);
        var keys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in items)
        {
            var reading = ItemReading.Of(item);
            if (keys.Add(reading.Key)) facts = CallFold.Add(facts, reading);
        }
        return CallRendering.View(facts) with { UpdatedAt = items.Max(i => i.ReceivedAt) };
    }
}

/// <summary>A call stored by <see cref="OldFold"/>: its items, the version the old fold counted, and what it wrote.</summary>
/// <param name="CurrentView">The view the current fold makes of the same items, at the current fold's count.</param>
public sealed record OldCall(string SessionId, int StoredVersion, IReadOnlyList<PushItem> Items, CallView CurrentView, ViewJson StoredJson)
{
    /// <summary>The view the grain writes when it re-derives the call at <paramref name="version"/>, byte for byte.</summary>
    public ViewJson CurrentJson(int version) => ViewJson.Of(CurrentView with { Version = version });
}
