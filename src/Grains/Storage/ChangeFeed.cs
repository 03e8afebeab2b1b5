using CallGrains.Domain.Changes;

namespace CallGrains.Storage;

/// <summary>
/// The change feed's read side. Changes are written by <see cref="IPushJournal.AppendAsync"/> in the same
/// transaction as their item, so none is acknowledged without its change. A reader that pages by
/// <see cref="ChangeQuery.After"/> with the last seq it saw never misses a change and never sees one twice,
/// however many writers commit concurrently: a store hands out a seq only once no lower seq can still appear.
/// </summary>
public interface IChangeFeed
{
    /// <summary>Changes with seq above <see cref="ChangeQuery.After"/> that match the query, oldest first.</summary>
    Task<IReadOnlyList<CallChange>> ReadAsync(ChangeQuery query, CancellationToken cancellationToken = default);

    /// <summary>The highest seq readable now (0 when the feed is empty): where a reader without a cursor starts.</summary>
    Task<long> LastSeqAsync(CancellationToken cancellationToken = default);
}

/// <summary>A page of the change feed.</summary>
/// <param name="UserData">Only changes of calls with exactly this userData.</param>
/// <param name="UserDataPrefix">Only changes of calls whose userData starts with this (a webhook subscription's filter).</param>
/// <param name="Types">Only these change types; null for all.</param>
/// <param name="Tenant">Only changes of calls this tenant owns; null for every call's.</param>
public sealed record ChangeQuery(
    long After = 0,
    int Limit = ChangeQuery.DefaultLimit,
    string? UserData = null,
    string? UserDataPrefix = null,
    IReadOnlyList<string>? Types = null,
    TenantScope? Tenant = null)
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 500;

    public bool Matches(CallChange change) =>
        change.Seq > After
        && (UserData is null || change.UserData == UserData)
        && (UserDataPrefix is null || (change.UserData?.StartsWith(UserDataPrefix, StringComparison.Ordinal) ?? false))
        && (Types is null || Types.Contains(change.Type))
        && (Tenant is null || Tenant.Owns(change.UserData));
}
