using System.Text.Json;
using CallGrains.Domain.Calls;
using CallGrains.Domain.Pushes;
using CallGrains.Requests;
using CallGrains.Storage;
using Microsoft.Extensions.Logging;

namespace CallGrains.Sessions;

/// <summary>
/// A thin shell around <see cref="CallFold"/>: the journal is the truth, the in-memory facts are a cache
/// of folding it. Non-reentrant, so one push at a time; state changes only after the store committed.
/// </summary>
public sealed class CallSessionGrain(IPushJournal journal, ILogger<CallSessionGrain> logger) : Grain, ICallSessionGrain
{
    private readonly HashSet<string> _itemKeys = new(StringComparer.Ordinal);
    private string _sessionId = "";
    private CallFacts _facts = null!;
    private CallView? _view;
    private string? _viewJson;
    private DateTimeOffset _firstReceivedAt;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _sessionId = CallSessionKey.SessionIdOf(this.GetPrimaryKeyString());
        _facts = CallFold.Empty(_sessionId);
        var entries = await StoreGuard.RunAsync(() => journal.ReadSessionAsync(_sessionId, cancellationToken), logger, _sessionId);
        DateTimeOffset? updatedAt = null;
        foreach (var entry in entries)
        {
            if (!_itemKeys.Add(entry.ItemKey)) continue;
            _facts = CallFold.Add(_facts, new PushItem(_sessionId, entry.EventType, entry.Body, entry.Flag));
            if (_itemKeys.Count == 1) _firstReceivedAt = entry.ReceivedAt;
            updatedAt = entry.ReceivedAt;
        }
        if (updatedAt is { } last) Render(_facts, last);
    }

    public async Task<RecordResult> RecordAsync(IncomingItem item)
    {
        var read = CallFold.Read(new PushItem(_sessionId, item.EventType, item.Body, item.Flag));
        var key = read.Key;
        if (_itemKeys.Contains(key))
            return new RecordResult(Duplicate: true, ChangedView: false, Version: _view?.Version ?? 0);

        var facts = CallFold.Add(_facts, read);
        var previous = _view;
        var firstReceivedAt = _itemKeys.Count == 0 ? item.ReceivedAt : _firstReceivedAt;
        var (view, json) = ViewOf(facts, item.ReceivedAt);
        var changed = previous is null || !SameApartFromVersion(previous, view);

        var entry = new JournalEntry(_sessionId, key, item.EventType, item.Body, item.ReceivedAt, changed, item.Flag);
        var row = new CallRow(_sessionId, view.UserData, view.Status, view.Outcome, view.Final,
            firstReceivedAt, item.ReceivedAt, view.Version, json);
        await StoreGuard.RunAsync(() => journal.AppendAsync(entry, row), logger, _sessionId);

        // Committed: only now does the grain believe it.
        _itemKeys.Add(key);
        _facts = facts;
        _firstReceivedAt = firstReceivedAt;
        (_view, _viewJson) = (view, json);

        if (view.UserData is { } userData && SummaryChanged(previous, view))
            await TellRequestAsync(userData, view);

        return new RecordResult(Duplicate: false, ChangedView: changed, Version: view.Version);
    }

    public Task<string?> GetViewJsonAsync() => Task.FromResult(_viewJson);

    private void Render(CallFacts facts, DateTimeOffset updatedAt) => (_view, _viewJson) = ViewOf(facts, updatedAt);

    private static (CallView View, string Json) ViewOf(CallFacts facts, DateTimeOffset updatedAt)
    {
        var view = CallFold.View(facts) with { UpdatedAt = updatedAt };
        return (view, JsonSerializer.Serialize(view, CallJson.Options));
    }

    private static bool SameApartFromVersion(CallView a, CallView b) =>
        JsonSerializer.Serialize(a with { Version = 0, UpdatedAt = null }, CallJson.Options) ==
        JsonSerializer.Serialize(b with { Version = 0, UpdatedAt = null }, CallJson.Options);

    private static bool SummaryChanged(CallView? previous, CallView view) =>
        previous is null || previous.UserData != view.UserData || previous.Status != view.Status ||
        previous.Outcome != view.Outcome || previous.Final != view.Final;

    private async Task TellRequestAsync(string userData, CallView view)
    {
        // The push is already committed and the request grain re-reads the projection when it
        // activates, so a failed notification costs freshness, never data: log it and carry on.
        try
        {
            await GrainFactory.GetBusinessRequest(userData).TrackCallAsync(CallSummaries.Of(view));
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            logger.LogWarning(ex, "Could not tell the business request about call {SessionId}", _sessionId);
        }
    }
}
