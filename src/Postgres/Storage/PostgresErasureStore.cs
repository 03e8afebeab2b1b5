using CallGrains.Storage;
using Npgsql;

namespace CallGrains.Postgres.Storage;

/// <summary>
/// Erasure on PostgreSQL (db/015_erasure_audit.sql). Every delete goes by an indexed key: the journal's
/// <c>(session_id, item_key)</c>, the calls' primary key, the changes' <c>session_id</c> index, the requests' primary
/// key; the delivery records of the erased changes are found by seq among at most 100 per subscription.
/// </summary>
public sealed class PostgresErasureStore(NpgsqlDataSource dataSource) : IErasureStore
{
    public async Task<ErasedRows> EraseSessionAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        // One statement, so one transaction: the call is gone from every table at once or from none. A last error
        // that names an erased change may quote the receiver's answer to it, so it goes as well.
        await using var command = dataSource.CreateCommand("""
            WITH journal AS (DELETE FROM callgrains_journal WHERE session_id = $1 RETURNING 1),
                 calls AS (DELETE FROM callgrains_calls WHERE session_id = $1 RETURNING 1),
                 changes AS (DELETE FROM callgrains_changes WHERE session_id = $1 RETURNING seq),
                 deliveries AS (DELETE FROM callgrains_deliveries WHERE seq IN (SELECT seq FROM changes) RETURNING 1),
                 errors AS (
                     UPDATE callgrains_subscriptions SET last_error = NULL
                      WHERE last_error IS NOT NULL
                        AND substring(last_error FROM '^seq ([0-9]+):')::bigint IN (SELECT seq FROM changes)
                     RETURNING 1)
            SELECT (SELECT count(*) FROM journal)::int, (SELECT count(*) FROM calls)::int,
                   (SELECT count(*) FROM changes)::int, (SELECT count(*) FROM deliveries)::int
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = sessionId });
        return await ReadOneAsync("erase a call", command,
            reader => new ErasedRows(reader.GetInt32(0), reader.GetInt32(1), reader.GetInt32(2), reader.GetInt32(3)), cancellationToken);
    }

    public async Task<ErasedRows> EraseRequestAsync(string userData, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            WITH requests AS (DELETE FROM callgrains_requests WHERE user_data = $1 RETURNING 1)
            SELECT count(*)::int FROM requests
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = userData });
        return await ReadOneAsync("erase a request", command, reader => new ErasedRows(RequestRows: reader.GetInt32(0)), cancellationToken);
    }

    public async Task RecordAsync(ErasureRecord record, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            INSERT INTO callgrains_erasures (id, kind, subject_hash, requested_by, tenant, erased_at, calls,
                                             journal_rows, call_rows, change_rows, delivery_rows, request_rows)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
            ON CONFLICT (id) DO NOTHING
            """);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = record.Id });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = record.Kind });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = record.SubjectHash });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = record.Who });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)record.Tenant ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = record.At.ToUniversalTime() });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = record.Calls });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = record.Rows.JournalEntries });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = record.Rows.CallRows });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = record.Rows.Changes });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = record.Rows.Deliveries });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = record.Rows.RequestRows });
        try
        {
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        catch (Exception ex) when (StoreFailures.IsUnavailable(ex))
        {
            throw StoreFailures.Unavailable("record an erasure", ex);
        }
    }

    public async Task<ErasureRecord?> FindRecordAsync(Guid id, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT id, kind, subject_hash, requested_by, tenant, erased_at, calls,
                   journal_rows, call_rows, change_rows, delivery_rows, request_rows
            FROM callgrains_erasures WHERE id = $1
            """);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
        return await ReadOneAsync("read an erasure record", command, reader => new ErasureRecord(
            reader.GetGuid(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
            reader.IsDBNull(4) ? null : reader.GetString(4), reader.GetFieldValue<DateTimeOffset>(5), reader.GetInt32(6),
            new ErasedRows(reader.GetInt32(7), reader.GetInt32(8), reader.GetInt32(9), reader.GetInt32(10), reader.GetInt32(11))),
            cancellationToken);
    }

    private static async Task<T> ReadOneAsync<T>(string operation, NpgsqlCommand command, Func<NpgsqlDataReader, T> read, CancellationToken cancellationToken)
    {
        try
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            return await reader.ReadAsync(cancellationToken) ? read(reader) : default!;
        }
        catch (Exception ex) when (StoreFailures.IsUnavailable(ex))
        {
            throw StoreFailures.Unavailable(operation, ex);
        }
    }
}
