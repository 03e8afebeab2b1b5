using System.Collections.Immutable;
using CallGrains.Domain.Requests;
using CallGrains.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CallGrains.Requests;

/// <summary>
/// Keyed by <see cref="BusinessRequestKey.For"/>. The registration is persisted in grain storage; the calls
/// are read from the calls projection when asked for. That projection is written in the same transaction as
/// each push, so the list is never behind, and the push path never waits on this grain.
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

    private string _userData = "";

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _userData = BusinessRequestKey.UserDataOf(this.GetPrimaryKeyString());
        return Task.CompletedTask;
    }

    public async Task<bool> RegisterAsync(RequestRegistration request)
    {
        var created = !registration.State.IsRegistered;
        var registeredAt = created ? request.RegisteredAt : registration.State.RegisteredAt;
        var previous = registration.State;
        // The storage provider writes the state it holds, so the new state has to be in place for the write; if the
        // write fails, the grain goes back to what is stored, so that it never answers with a registration it lost.
        registration.State = RequestRegistrationState.From(request with { RegisteredAt = registeredAt });
        try
        {
            await StoreGuard.RunAsync(() => registration.WriteStateAsync(), logger, _userData);
        }
        catch (StoreUnavailableException)
        {
            registration.State = previous;
            throw;
        }
        // Stored: a failure from here on is answered 503, and the client's retry writes the same row again.
        await StoreGuard.RunAsync(() => requests.UpsertAsync(new RequestRow(_userData, request.Kind, request.BusinessId,
            request.Attributes, registeredAt, request.UpdatedAt)), logger, _userData);
        return created;
    }

    public Task<RequestRegistration?> GetRegistrationAsync() => Task.FromResult(registration.State.ToRegistration());

    public async Task<RequestSnapshot?> GetAsync()
    {
        var (summaries, truncated) = await CallsAsync();
        var current = registration.State.ToRegistration();
        if (current is null && summaries.Count == 0) return null;
        var ordered = summaries.OrderByDescending(c => c.UpdatedAt).ThenBy(c => c.SessionId, StringComparer.Ordinal);
        return new RequestSnapshot(_userData, current, [.. ordered], truncated);
    }

    public async Task<ErasedRows> EraseAsync()
    {
        var registered = registration.RecordExists ? 1 : 0;
        // Cleared in storage first: the grain state is where a registration is read from after a restart.
        if (registration.RecordExists) await StoreGuard.RunAsync(() => registration.ClearStateAsync(), logger, _userData);
        registration.State = new RequestRegistrationState();
        var erasure = ServiceProvider.GetRequiredService<IErasureStore>();
        var rows = await StoreGuard.RunAsync(() => erasure.EraseRequestAsync(_userData), logger, _userData);
        DeactivateOnIdle();
        return rows with { RequestRows = Math.Max(rows.RequestRows, registered) };
    }

    /// <summary>The newest calls (by when CallGrains first heard of them), at most the configured number.</summary>
    private async Task<(List<CallSummary> Calls, bool Truncated)> CallsAsync()
    {
        var found = new List<CallSummary>();
        CallCursor? cursor = null;
        for (var wanted = limits.Value.MaxCallsPerUserData; wanted > 0;)
        {
            var query = new CallQuery(UserData: _userData, Limit: Math.Min(CallQuery.MaxLimit, wanted), Cursor: cursor);
            var page = await StoreGuard.RunAsync(() => calls.ListAsync(query), logger, _userData);
            found.AddRange(page.Items.Select(r => r.ToSummary()));
            wanted -= page.Items.Count;
            cursor = page.Next;
            if (cursor is null) break;
        }
        return (found, cursor is not null);
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
