using System.Collections.Immutable;
using CallGrains.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CallGrains.Requests;

/// <summary>
/// Keyed by <see cref="BusinessRequestKey.For"/>. The registration is persisted in grain storage; the
/// call list is a cache seeded from the calls projection on activation and kept fresh by the call grains,
/// so it is never a second source of truth to keep consistent.
/// </summary>
public sealed class BusinessRequestGrain(
    [PersistentState(BusinessRequestGrain.StateName, BusinessRequestGrain.StorageName)] IPersistentState<RequestRegistrationState> registration,
    IRequestsProjection requests,
    ICallsProjection calls,
    IOptions<RequestLimits> limits,
    ILogger<BusinessRequestGrain> logger) : Grain, IBusinessRequestGrain
{
    /// <summary>Distinct per grain class: Orleans' ADO.NET storage key ignores the grain type.</summary>
    public const string StateName = "businessRequest";
    public const string StorageName = "requests";

    private readonly Dictionary<string, CallSummary> _calls = new(StringComparer.Ordinal);
    private readonly int _maxCalls = limits.Value.MaxCallsPerUserData;
    private string _userData = "";
    private bool _truncated;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _userData = BusinessRequestKey.UserDataOf(this.GetPrimaryKeyString());
        // The newest calls first; when there are more than the cap, the oldest are left in the projection.
        CallCursor? cursor = null;
        for (var wanted = _maxCalls; wanted > 0;)
        {
            var query = new CallQuery(UserData: _userData, Limit: Math.Min(CallQuery.MaxLimit, wanted), Cursor: cursor);
            var page = await StoreGuard.RunAsync(() => calls.ListAsync(query, cancellationToken), logger, _userData);
            foreach (var row in page.Items) Keep(CallSummaries.Of(row));
            wanted -= page.Items.Count;
            cursor = page.Next;
            if (cursor is null) break;
        }
        _truncated |= cursor is not null;
    }

    public async Task<bool> RegisterAsync(RequestRegistration request)
    {
        var created = !registration.State.IsRegistered;
        var registeredAt = created ? request.RegisteredAt : registration.State.RegisteredAt;
        registration.State = RequestRegistrationState.From(request with { RegisteredAt = registeredAt });
        await StoreGuard.RunAsync(async () =>
        {
            await registration.WriteStateAsync();
            await requests.UpsertAsync(new RequestRow(_userData, request.Kind, request.BusinessId,
                request.Attributes, registeredAt, request.UpdatedAt));
        }, logger, _userData);
        return created;
    }

    public Task TrackCallAsync(CallSummary summary)
    {
        Keep(summary);
        return Task.CompletedTask;
    }

    public Task<RequestRegistration?> GetRegistrationAsync() => Task.FromResult(registration.State.ToRegistration());

    public Task<RequestSnapshot?> GetAsync()
    {
        var current = registration.State.ToRegistration();
        if (current is null && _calls.Count == 0) return Task.FromResult<RequestSnapshot?>(null);
        var ordered = _calls.Values.OrderByDescending(c => c.UpdatedAt).ThenBy(c => c.SessionId, StringComparer.Ordinal);
        return Task.FromResult<RequestSnapshot?>(new RequestSnapshot(_userData, current, [.. ordered], _truncated));
    }

    private void Keep(CallSummary summary)
    {
        // Notifications and the projection read can race; the higher version is the newer truth.
        if (!_calls.TryGetValue(summary.SessionId, out var held) || held.Version <= summary.Version)
            _calls[summary.SessionId] = summary;
        if (_calls.Count <= _maxCalls) return;
        var oldest = _calls.Values.MinBy(c => (c.UpdatedAt, c.SessionId), OldestFirst.Instance)!;
        _calls.Remove(oldest.SessionId);
        _truncated = true;
    }

    /// <summary>Least recently updated first, ties by session id, so eviction does not depend on dictionary order.</summary>
    private sealed class OldestFirst : IComparer<(DateTimeOffset UpdatedAt, string SessionId)>
    {
        public static readonly OldestFirst Instance = new();

        public int Compare((DateTimeOffset UpdatedAt, string SessionId) x, (DateTimeOffset UpdatedAt, string SessionId) y)
        {
            var order = x.UpdatedAt.CompareTo(y.UpdatedAt);
            return order != 0 ? order : string.CompareOrdinal(x.SessionId, y.SessionId);
        }
    }
}

/// <summary>The persisted registration. Plain properties so the storage's JSON serializer reads it back.</summary>
[GenerateSerializer, Alias("callgrains.request-registration-state")]
public sealed class RequestRegistrationState
{
    [Id(0)] public string? Kind { get; set; }
    [Id(1)] public string? BusinessId { get; set; }
    [Id(2)] public Dictionary<string, string> Attributes { get; set; } = [];
    [Id(3)] public DateTimeOffset RegisteredAt { get; set; }
    [Id(4)] public DateTimeOffset UpdatedAt { get; set; }

    [System.Text.Json.Serialization.JsonIgnore]
    public bool IsRegistered => Kind is not null && BusinessId is not null;

    public static RequestRegistrationState From(RequestRegistration r) => new()
    {
        Kind = r.Kind,
        BusinessId = r.BusinessId,
        Attributes = new Dictionary<string, string>(r.Attributes, StringComparer.Ordinal),
        RegisteredAt = r.RegisteredAt,
        UpdatedAt = r.UpdatedAt,
    };

    public RequestRegistration? ToRegistration() => IsRegistered
        ? new RequestRegistration(Kind!, BusinessId!, Attributes.ToImmutableSortedDictionary(StringComparer.Ordinal), RegisteredAt, UpdatedAt)
        : null;
}
