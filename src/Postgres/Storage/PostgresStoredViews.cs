using CallGrains.Domain.Calls;
using CallGrains.Storage;
using Npgsql;
using NpgsqlTypes;

namespace CallGrains.Postgres.Storage;

/// <summary>
/// The re-derivation's reads and rewrites of <c>callgrains_calls</c> (<see cref="IStoredViews"/>). Rows an older fold
/// wrote are found through <c>callgrains_calls_fold_stale</c> (db/017), a partial index that holds only them: a row this
/// build writes never enters it, so pushes pay nothing for it, and once the walk is done it is empty.
/// </summary>
public sealed class PostgresStoredViews(NpgsqlDataSource dataSource) : IStoredViews
{
    // The fold version is written into the text, not sent as a parameter: only a query whose predicate is the index's own
    // (a constant) can be planned onto a partial index. The index's constant moves with CallFold.Version (db/README.md).
    private static readonly string StaleRows = $"fold_version < {CallFold.Version}";

    public async Task<StoredView?> ReadAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT version, fold_version, final, view_json FROM callgrains_calls WHERE session_id = $1");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = sessionId });
        return await RunAsync("read a call's row", async () =>
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            return await reader.ReadAsync(cancellationToken)
                ? new StoredView(sessionId, reader.GetInt32(0), reader.GetInt32(1), reader.GetBoolean(2), ViewJsonColumn.Read(reader, 3))
                : null;
        });
    }

    public async Task<bool> RewriteAsync(CallRow row, int expectedVersion, string changeType, CancellationToken cancellationToken = default)
    {
        // One statement, so one implicit transaction: the row and its change commit together or not at all. The change is
        // the transaction's first and only one (db/018). first_received_at is the call's partition key (db/014) and never
        // changes for a call, so it is not written.
        await using var command = dataSource.CreateCommand($"""
            WITH rewritten AS (
                UPDATE callgrains_calls
                   SET user_data = $2, status = $3, outcome = $4, final = $5, updated_at = $6, version = $7, view_json = $8,
                       unverified = $9, fold_version = $10
                 WHERE session_id = $1 AND version = $11
                RETURNING session_id
            )
            INSERT INTO callgrains_changes (seq, type, session_id, version, user_data, at, view_json)
            SELECT {FeedNumbering.TransactionBase} + 1, $12, $1, $7, $2, $6, $8 FROM rewritten
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = row.SessionId });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)row.UserData ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = ContractWords.Of(row.Status) });
        command.Parameters.Add(new NpgsqlParameter
        {
            Value = row.Outcome is { } outcome ? ContractWords.Of(outcome) : DBNull.Value,
            NpgsqlDbType = NpgsqlDbType.Text,
        });
        command.Parameters.Add(new NpgsqlParameter<bool> { TypedValue = row.Final });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = row.UpdatedAt.ToUniversalTime() });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = row.Version });
        command.Parameters.Add(ViewJsonColumn.Parameter(row.ViewJson));
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = row.Unverified });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = row.FoldVersion });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = expectedVersion });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = changeType });
        return await RunAsync("rewrite a call's row", async () => await command.ExecuteNonQueryAsync(cancellationToken) == 1);
    }

    public async Task StampAsync(string sessionId, int version, int foldVersion, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            "UPDATE callgrains_calls SET fold_version = $3 WHERE session_id = $1 AND version = $2 AND fold_version < $3");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = sessionId });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = version });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = foldVersion });
        await RunAsync("record a call's fold version", async () => await command.ExecuteNonQueryAsync(cancellationToken));
    }

    public async Task<IReadOnlyList<string>> ListStaleAsync(string? after, int limit, CancellationToken cancellationToken = default)
    {
        // Two texts rather than "$1 IS NULL OR ...", which would keep the planner from a range on the index.
        await using var command = dataSource.CreateCommand(after is null
            ? $"SELECT session_id FROM callgrains_calls WHERE {StaleRows} ORDER BY session_id LIMIT $1"
            : $"SELECT session_id FROM callgrains_calls WHERE {StaleRows} AND session_id > $2 ORDER BY session_id LIMIT $1");
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });
        if (after is not null) command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = after });
        return await RunAsync("list calls an older fold wrote", async () =>
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            var sessions = new List<string>();
            while (await reader.ReadAsync(cancellationToken)) sessions.Add(reader.GetString(0));
            return (IReadOnlyList<string>)sessions;
        });
    }

    public async Task<long> CountStaleAsync(CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand($"SELECT count(*) FROM callgrains_calls WHERE {StaleRows}");
        return await RunAsync("count calls an older fold wrote", async () => (long)(await command.ExecuteScalarAsync(cancellationToken))!);
    }

    private async Task<T> RunAsync<T>(string operation, Func<Task<T>> query)
    {
        try
        {
            return await query();
        }
        catch (Exception ex) when (StoreFailures.IsUnavailable(ex))
        {
            if (StoreFailures.IsConnectionLost(ex)) dataSource.Clear();
            throw StoreFailures.Unavailable(operation, ex);
        }
    }
}
