using System.IO.Hashing;
using System.Runtime.InteropServices;
using CallGrains.Domain.Calls;
using CallGrains.Domain.Changes;
using CallGrains.Domain.Pushes;
using CallGrains.Storage;
using CallGrains.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Placement;

namespace CallGrains.Sessions;

/// <summary>
/// A thin shell around <see cref="CallFold"/>: the journal is the truth, the in-memory facts are a cache
/// of folding it. Non-reentrant, so one push at a time; state changes only after the store committed.
/// Holds the facts only (no rendered view), because a silo holds one activation per active call.
/// </summary>
/// <remarks>
/// Placed where its first push arrived: on a co-hosted node that push's grain call, and every later one the load
/// balancer sends to the same node, stays in the process.
/// </remarks>
[PreferLocalPlacement]
public sealed partial class CallSessionGrain(
    IPushJournal journal,
    IJournalReader reader,
    IOptions<SessionLimitOptions> limits,
    CallGrainsMetrics metrics,
    ILogger<CallSessionGrain> logger)
    : Grain, ICallSessionGrain
{
    // The merged items' keys as seeded 64-bit hashes, not as text: a ringing call holds two keys of ~45 characters,
    // which as strings would be about 10% of its activation. The seed is per process, so no sender can aim two keys
    // at one hash; by chance, two of a session's at most MaxItems keys collide with a probability below 1e-13.
    private readonly HashSet<ulong> _itemKeys = [];
    private string _sessionId = "";
    private CallFacts _facts = null!;
    private DateTimeOffset _firstReceivedAt;
    private DateTimeOffset? _updatedAt;
    // What the view says apart from its version and time, as a hash: enough to tell whether an item changed it.
    private ulong _viewShape;
    // The latest status event time folded so far: an item older than it arrived out of order.
    private DateTimeOffset? _latestEventAt;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _sessionId = CallSessionKey.SessionIdOf(this.GetPrimaryKeyString());
        _facts = CallFacts.Empty(_sessionId, limits.Value.ToLimits());
        var entries = await StoreGuard.RunAsync(() => reader.ReadSessionAsync(_sessionId, cancellationToken), logger, _sessionId);
        foreach (var entry in entries)
        {
            // Pending entries were journaled without a grain: they make their versions when caught up, below.
            if (!entry.Projected) continue;
            _updatedAt = UpdatedBy(entry.Item);
            if (!entry.Folded)
            {
                _facts = CallFold.Surplus(_facts);
                continue;
            }
            // This build's identity, read from the body: the key an older fold stored may differ, and two items it told
            // apart may be one now (folded once; the journal keeps both rows as they were written).
            var reading = ItemReading.Of(entry.Item);
            if (!_itemKeys.Add(KeyHash(reading.Key))) continue;
            _facts = CallFold.Add(_facts, reading);
            if (_itemKeys.Count == 1) _firstReceivedAt = entry.Item.ReceivedAt;
            _latestEventAt = Later(_latestEventAt, reading.Status?.Timestamp);
        }
        if (_updatedAt is not null) _viewShape = ViewShape.Of(ViewJson.Of(CallRendering.View(_facts)));
        await AdoptStoredViewAsync();
        await CatchUpOnActivationAsync(entries);
        _itemKeys.TrimExcess();
    }

    public Task<RecordResult> RecordAsync(PushItem item) =>
        // Read when the push was parsed; only an item that came without its reading is read here.
        StoreAsync(item, ItemReading.Of(item), itemKey: null, UpdatedBy(item));

    /// <summary>
    /// The view's time once <paramref name="item"/> is stored: its latest item's arrival. Not simply this item's, because a
    /// caught-up pending item or a push stamped by another node's clock can be older, and a replay of the journal must
    /// come to the same time whatever order the journal holds the items in.
    /// </summary>
    private DateTimeOffset UpdatedBy(PushItem item) => _updatedAt is { } at && at > item.ReceivedAt ? at : item.ReceivedAt;

    /// <summary>
    /// Folds and stores one item unless the session holds it, at <paramref name="updatedAt"/>: a push, or a pending entry
    /// caught up, whose append names the key its journal row has (<paramref name="itemKey"/>; null: the reading's), so
    /// that the append takes that row over.
    /// </summary>
    private async Task<RecordResult> StoreAsync(PushItem item, ItemReading reading, string? itemKey, DateTimeOffset updatedAt)
    {
        var key = KeyHash(reading.Key);
        itemKey ??= reading.Key;
        if (_itemKeys.Contains(key))
            return new RecordResult(Duplicate: true, ChangedView: false, Version: _facts.Version);
        if (_facts.Version >= _facts.Limits.MaxItems) return await RecordSurplusAsync(item, itemKey, updatedAt);

        var facts = CallFold.Add(_facts, reading);
        var firstReceivedAt = _itemKeys.Count == 0 ? item.ReceivedAt : _firstReceivedAt;
        var view = CallRendering.View(facts) with { UpdatedAt = updatedAt };
        // One serialization per stored item: its bytes are the projection's and the change's JSON and the shape check.
        var json = ViewJson.Of(view);
        var shape = ViewShape.Of(json);
        var changed = _updatedAt is null || shape != _viewShape;

        var entry = new JournalEntry(item, itemKey, changed);
        var row = CallRow.Of(view, firstReceivedAt, json);
        var change = ChangeTypes.Of(wasFinal: _facts.Final, isFinal: facts.Final);
        using (var span = CallGrainsTracing.Source.StartActivity("callgrains.journal.append"))
        {
            span?.SetTag("callgrains.event_type", CallGrainsMetrics.EventTypeTag(item.EventType));
            await StoreGuard.RunAsync(() => journal.AppendAsync(new CallAppend(entry, row, change)), logger, _sessionId);
        }

        // Committed: only now does the grain believe it.
        Measure(reading, item, facts, view);
        _itemKeys.Add(key);
        (_facts, _firstReceivedAt, _updatedAt, _viewShape) = (facts, firstReceivedAt, updatedAt, shape);
        return new RecordResult(Duplicate: false, ChangedView: changed, Version: view.Version);
    }

    /// <summary>
    /// An item past the session's item limit: acknowledged and journaled (a refused status push is lost for good), but
    /// not folded, and its key is not remembered, so that a flood cannot grow the activation either; a re-sent one is
    /// a no-op in the store. The view only learns that it is capped, which changes nothing else: no version, no change.
    /// </summary>
    private async Task<RecordResult> RecordSurplusAsync(PushItem item, string itemKey, DateTimeOffset updatedAt)
    {
        var facts = CallFold.Surplus(_facts);
        var view = CallRendering.View(facts) with { UpdatedAt = updatedAt };
        var changed = !_facts.Capped;
        var entry = new JournalEntry(item, itemKey, changed, Folded: false);
        var json = ViewJson.Of(view);
        var row = CallRow.Of(view, _firstReceivedAt, json);
        await StoreGuard.RunAsync(() => journal.AppendAsync(new CallAppend(entry, row, ChangeType: null)), logger, _sessionId);

        (_facts, _updatedAt) = (facts, updatedAt);
        if (changed) _viewShape = ViewShape.Of(json);
        return new RecordResult(Duplicate: false, ChangedView: changed, Version: view.Version);
    }

    /// <summary>What this committed item says about the platform's behaviour and the call's life, for the meters.</summary>
    private void Measure(ItemReading reading, PushItem item, CallFacts facts, CallView view)
    {
        if (reading.Status?.Timestamp is { } at)
        {
            if (_facts.Final || at < _latestEventAt) metrics.OutOfOrder(item.EventType);
            _latestEventAt = Later(_latestEventAt, at);
        }
        if (_facts.Version == 0 && !facts.Final) metrics.CallStarted();
        if (!_facts.Final && facts.Final)
        {
            if (_facts.Version > 0) metrics.CallEnded();
            metrics.Completed(view.Scenario, view.Outcome);
            if (facts.Disconnect?.At is { } disconnectedAt) metrics.CdrLateness(item.ReceivedAt - disconnectedAt);
        }
    }

    private static DateTimeOffset? Later(DateTimeOffset? a, DateTimeOffset? b) => a is null ? b : b is null ? a : a > b ? a : b;

    public Task<CallView?> GetViewAsync() => Task.FromResult(_updatedAt is { } updatedAt
        ? CallRendering.View(_facts) with { UpdatedAt = updatedAt }
        : null);

    private static readonly long KeySeed = Random.Shared.NextInt64();

    private static ulong KeyHash(string key) => XxHash3.HashToUInt64(MemoryMarshal.AsBytes(key.AsSpan()), KeySeed);
}
