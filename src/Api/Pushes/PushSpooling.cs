using CallGrains.Domain.Pushes;
using CallGrains.Hosting;
using CallGrains.Postgres.Spool;
using CallGrains.Storage;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace CallGrains.Api.Pushes;

/// <summary>
/// The storage branch of a push whose grain calls failed: when the store tried to commit (or read) and could not,
/// and this node has a spool, the failed items are made durable in the spool and the push can be acknowledged; the
/// spool's drainer journals them once the database is back. Without a spool, or when the spool cannot take them, the
/// push is refused as before (503, <c>unavailable: storage</c>).
/// </summary>
/// <remarks>
/// A refusal before the store was tried (the group commit's queue full: the database is up but behind) is not
/// spooled: the drain would only add the same load later. Neither is a request past its deadline: the filter that
/// enforces it answers 503 around this code, and the grain call that was too slow may still commit.
/// </remarks>
public sealed class PushSpooling(PushSpool? spool = null)
{
    /// <summary>Whether <paramref name="failure"/> is the store failing to commit or read, which the spool stands in for.</summary>
    public bool Takes(Exception failure) => spool is not null && IsStoreFailure(failure);

    /// <summary>
    /// Appends the items as one push to the spool; completes once they are fsynced.
    /// </summary>
    /// <exception cref="StoreUnavailableException">The spool is full or could not write: nothing of the push is in it.</exception>
    public Task SpoolAsync(IReadOnlyList<PushItem> items) =>
        (spool ?? throw new InvalidOperationException("This node has no push spool.")).AppendAsync(items);

    private static bool IsStoreFailure(Exception failure) => failure switch
    {
        StoreUnavailableException store => !store.Refused,
        AggregateException aggregate => aggregate.InnerExceptions.Count > 0 && aggregate.InnerExceptions.All(IsStoreFailure),
        _ => failure.InnerException is { } inner && IsStoreFailure(inner),
    };
}

public static class PushSpoolingExtensions
{
    /// <summary>
    /// On PostgreSQL (a node, or a separate API tier: whatever receives pushes), the spool named by
    /// <c>CallGrains:Spool:Directory</c> and its drainer; embedded mode has none (its store never goes away).
    /// </summary>
    public static WebApplicationBuilder AddCallGrainsPushSpooling(this WebApplicationBuilder builder)
    {
        builder.Services.TryAddSingleton<PushSpooling>();
        if (string.IsNullOrWhiteSpace(builder.Configuration.GetConnectionString(ClusterSettings.ConnectionStringName))) return builder;
        var spool = builder.Services.AddCallGrainsSpool(builder.Configuration);
        if (!string.IsNullOrWhiteSpace(spool.Directory)) builder.Services.AddHostedService<SpoolDrainer>();
        return builder;
    }
}
