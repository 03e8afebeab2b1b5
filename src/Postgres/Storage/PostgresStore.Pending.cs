using CallGrains.Domain.Pushes;
using CallGrains.Storage;
using Npgsql;

namespace CallGrains.Postgres.Storage;

/// <summary>Pending items on PostgreSQL: <c>callgrains_journal.projected = false</c> (db/016).</summary>
public sealed partial class PostgresStore : IPendingJournal
{
    public async Task AppendPendingAsync(IReadOnlyList<PushItem> items, CancellationToken cancellationToken = default)
    {
        if (items.Count == 0) return;
        try
        {
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            await CallAppends.ExecutePendingAsync(connection, items, cancellationToken);
        }
        catch (Exception ex) when (StoreFailures.IsUnavailable(ex))
        {
            throw Unavailable("journal pending items", ex);
        }
    }

    public async Task<IReadOnlyList<string>> SessionsWithPendingAsync(int limit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        // Reads only the partial index's rows (normally none), never the journal whole: every silo sweeps every few seconds.
        var query = new NpgsqlBatchCommand("""
            SELECT session_id FROM callgrains_journal
            WHERE NOT projected
            GROUP BY session_id
            ORDER BY min(seq)
            LIMIT $1
            """);
        query.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });
        return await QueryAsync("list sessions with pending items", ByIndexAlone(query), reader => reader.GetString(0), cancellationToken);
    }
}
