using System.Diagnostics;
using System.Text;
using System.Text.Json;
using CallGrains.Domain.Calls;
using CallGrains.Domain.Changes;
using CallGrains.Domain.Pushes;
using CallGrains.Hosting;
using CallGrains.Storage;
using CallGrains.Telemetry;
using Npgsql;
using NpgsqlTypes;

namespace CallGrains.Postgres.Storage;

/// <summary>
/// The push journal and both projections on PostgreSQL, over one data source (one connection pool).
/// Same semantics as <see cref="CallGrains.Storage.InMemory.InMemoryStore"/>: a re-sent item key is a no-op,
/// an older call version never overwrites a newer one, lists are newest first by (first received, session id)
/// with keyset paging. Timestamps are kept to the microsecond, PostgreSQL's precision.
/// </summary>
/// <param name="metrics">Counts change-feed reads held back behind an open transaction; none when null.</param>
/// <param name="clock">The service clock pushes are stamped with (<see cref="ServiceTime"/>); the system's when null.</param>
public sealed partial class PostgresStore(NpgsqlDataSource dataSource, CallGrainsMetrics? metrics = null, TimeProvider? clock = null)
    : IPushJournal, IJournalReader, ICallsProjection, IRequestsProjection, IChangeFeed
{
    /// <summary>
    /// How far ahead of this node's clock another node's may run and still have what it wrote found by this one's reads.
    /// A call is partitioned by its first push's receipt and a change by its time, both stamped by the clock of the node
    /// that received the push, so no row is stamped after a reader's now plus this. Reads bounded by it leave out the
    /// weeks of partitions made ahead (db/014), where nothing can be yet. A cluster's clocks agree within seconds (NTP);
    /// a day covers a clock that is wrong, not one that drifts (docs/operations.md, "Clocks").
    /// </summary>
    public static readonly TimeSpan ClockSkewAllowance = TimeSpan.FromDays(1);

    private readonly TimeProvider _clock = clock ?? TimeProvider.System;

    /// <summary>
    /// The bound on a partition key (a call's first receipt, a change's time) that no row has reached yet, as a query
    /// parameter: PostgreSQL then plans only the partitions below it. Without it, a read of the three partitioned tables
    /// visits the weeks made ahead too, and takes more relation locks than a backend's 16 fast-path slots hold (23 for a
    /// journal read, 30 for a feed read, with four weeks ahead): the rest go through the shared lock table, for every read.
    /// </summary>
    private NpgsqlParameter<DateTimeOffset> NothingStampedAfter() =>
        new() { TypedValue = (_clock.GetUtcNow() + ClockSkewAllowance).ToUniversalTime() };

    private const string CallColumns =
        "session_id, user_data, status, outcome, final, first_received_at, updated_at, version, view_json, unverified";

    public Task AppendAsync(CallAppend append, CancellationToken cancellationToken = default) =>
        AppendManyAsync([append], cancellationToken);

    /// <summary>
    /// Commits several appends together, all or none, in list order: the same effect as appending them one by
    /// one, in one round trip. Throws <see cref="StoreUnavailableException"/> when nothing was committed.
    /// </summary>
    public async Task AppendManyAsync(IReadOnlyList<CallAppend> appends, CancellationToken cancellationToken = default)
    {
        if (appends.Count == 0) return;
        try
        {
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            await CallAppends.ExecuteAsync(connection, appends, cancellationToken);
        }
        catch (Exception ex) when (StoreFailures.IsUnavailable(ex))
        {
            throw Unavailable("append to the push journal", ex);
        }
    }

    public async Task<IReadOnlyList<JournalEntry>> ReadSessionAsync(string sessionId, CancellationToken cancellationToken = default) =>
        [.. (await ReadSessionsAsync([sessionId], cancellationToken))[sessionId]];

    /// <summary>
    /// The journals of several sessions in one query, each in arrival order (a session with no items has none), so
    /// that concurrent grain activations can share one round trip (<see cref="BatchedJournalReader"/>).
    /// </summary>
    public async Task<ILookup<string, JournalEntry>> ReadSessionsAsync(
        IReadOnlyCollection<string> sessionIds, CancellationToken cancellationToken = default)
    {
        var read = new NpgsqlBatchCommand("""
            SELECT session_id, item_key, event_type, body, received_at, changed_view, flag, folded, projected
            FROM callgrains_journal
            WHERE session_id = ANY($1) AND first_received_at < $2
            ORDER BY seq
            """);
        read.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. sessionIds] });
        // Most reads are of calls that have just begun and find nothing: what they cost is the partitions they visit.
        read.Parameters.Add(NothingStampedAfter());
        var entries = await QueryAsync("read the push journal", ByIndexAlone(read), reader => new JournalEntry(
            new PushItem(reader.GetString(0), reader.GetString(2), reader.GetString(3), reader.GetFieldValue<DateTimeOffset>(4),
                reader.IsDBNull(6) ? null : reader.GetString(6)),
            reader.GetString(1),
            reader.GetBoolean(5),
            reader.GetBoolean(7),
            reader.GetBoolean(8)), cancellationToken);
        return entries.ToLookup(e => e.Item.SessionId, StringComparer.Ordinal);
    }

    public async Task<CallPage> ListAsync(CallQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(query.Limit, 1, nameof(query));
        var rows = await QueryAsync("list calls", ListCommand(query), ReadCall, cancellationToken);
        // One row more than asked for was read only to learn whether another page exists.
        var hasMore = rows.Count > query.Limit;
        if (hasMore) rows.RemoveAt(rows.Count - 1);
        return new CallPage(rows, hasMore ? CallCursor.After(rows[^1]) : null);
    }

    public async Task<int> CountAsync(CallQuery query, int cap, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(cap, 1);
        // No order, no columns, stopped at the cap: a stuck filter can read the partial index of unfinished calls by
        // silence (db/005), where the list's order made the planner walk every call newest first, reading each view,
        // whenever a partition had no statistics yet (docs/benchmarks.md).
        var (command, sql) = Filtered(query, "SELECT 1 FROM callgrains_calls WHERE true");
        command.CommandText = $"SELECT count(*)::int FROM ({sql} LIMIT {Parameter(command, cap)}) matching";
        var counts = await QueryAsync("count calls", command, reader => reader.GetInt32(0), cancellationToken);
        return counts[0];
    }

    public async Task UpsertAsync(RequestRow request, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var command = dataSource.CreateCommand("""
                INSERT INTO callgrains_requests (user_data, kind, business_id, attributes, registered_at, updated_at)
                VALUES ($1, $2, $3, $4, $5, $6)
                ON CONFLICT (user_data) DO UPDATE
                   SET kind = excluded.kind,
                       business_id = excluded.business_id,
                       attributes = excluded.attributes,
                       registered_at = excluded.registered_at,
                       updated_at = excluded.updated_at
                """);
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = request.UserData });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = request.Kind });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = request.BusinessId });
            command.Parameters.Add(new NpgsqlParameter<string>
            {
                TypedValue = JsonSerializer.Serialize(request.Attributes),
                NpgsqlDbType = NpgsqlDbType.Jsonb,
            });
            command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = request.RegisteredAt.ToUniversalTime() });
            command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = request.UpdatedAt.ToUniversalTime() });
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        catch (Exception ex) when (StoreFailures.IsUnavailable(ex))
        {
            throw Unavailable("save the request", ex);
        }
    }

    public async Task<IReadOnlyList<RequestRow>> ListByBusinessIdAsync(
        string businessId, TenantScope? tenant = null, CancellationToken cancellationToken = default)
    {
        var command = dataSource.CreateCommand();
        var sql = new StringBuilder("""
            SELECT user_data, kind, business_id, attributes, registered_at, updated_at
            FROM callgrains_requests
            WHERE business_id = $1
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = businessId });
        TenantFilter.Append(sql, command.Parameters, tenant);
        command.CommandText = sql.Append(" ORDER BY registered_at, user_data").ToString();
        return await QueryAsync("list requests", command, reader => new RequestRow(
            reader.GetString(0),
            reader.GetString(1),
            reader.GetString(2),
            new Dictionary<string, string>(
                JsonSerializer.Deserialize<Dictionary<string, string>>(reader.GetString(3)) ?? [], StringComparer.Ordinal),
            reader.GetFieldValue<DateTimeOffset>(4),
            reader.GetFieldValue<DateTimeOffset>(5)), cancellationToken);
    }

    /// <summary>
    /// The changes after <see cref="ChangeQuery.After"/> that are final (below the horizon, <see cref="FeedNumbering"/>).
    /// A change committed behind a transaction still open is held back: the read waits for that transaction (a few
    /// milliseconds for another writer's batch, at most <see cref="FeedNumbering.HeldBackWait"/>) so that a change is
    /// readable as soon as its push was acknowledged, and answers without the held ones only if it waited that long.
    /// </summary>
    public async Task<IReadOnlyList<CallChange>> ReadAsync(ChangeQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(query.Limit, 1, nameof(query));
        var started = Stopwatch.GetTimestamp();
        var pause = TimeSpan.FromMilliseconds(1);
        var heldBack = false;
        while (true)
        {
            var rows = await ReadPageAsync(query, cancellationToken);
            var final = rows.TakeWhile(row => !row.HeldBack).Select(row => row.Change).ToList();
            var caughtUp = final.Count == rows.Count;
            if (caughtUp || Stopwatch.GetElapsedTime(started) >= FeedNumbering.HeldBackWait)
            {
                // Counted, because a read that times out says a transaction was left open and holds every reader back.
                if (heldBack || !caughtUp) metrics?.HeldBack(caughtUp);
                return final;
            }
            heldBack = true;
            await Task.Delay(pause, cancellationToken);
            pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, TimeSpan.FromMilliseconds(50).Ticks));
        }
    }

    private async Task<List<(CallChange Change, bool HeldBack)>> ReadPageAsync(ChangeQuery query, CancellationToken cancellationToken)
    {
        var command = dataSource.CreateCommand();
        var sql = new StringBuilder(
            $"SELECT seq, type, session_id, version, user_data, at, view_json, seq >= {FeedNumbering.Horizon} FROM callgrains_changes WHERE at < $1 AND seq > $2");
        command.Parameters.Add(NothingStampedAfter());
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = query.After });
        if (query.UserData is { } userData)
        {
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = userData });
            sql.Append($" AND user_data = ${command.Parameters.Count}");
        }
        if (query.UserDataPrefix is { } prefix)
        {
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = prefix });
            sql.Append($" AND starts_with(user_data, ${command.Parameters.Count})");
        }
        if (query.Types is { } types)
        {
            command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. types] });
            sql.Append($" AND type = ANY(${command.Parameters.Count})");
        }
        TenantFilter.Append(sql, command.Parameters, query.Tenant);
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = query.Limit });
        sql.Append($" ORDER BY seq LIMIT ${command.Parameters.Count}");
        command.CommandText = sql.ToString();
        return await QueryAsync("read the change feed", command, reader => (new CallChange(
            reader.GetInt64(0),
            reader.GetString(1),
            reader.GetString(2),
            reader.GetInt32(3),
            reader.IsDBNull(4) ? null : reader.GetString(4),
            reader.GetFieldValue<DateTimeOffset>(5),
            ViewJsonColumn.Read(reader, 6)), reader.GetBoolean(7)), cancellationToken);
    }

    public async Task<long> LastSeqAsync(CancellationToken cancellationToken = default)
    {
        // The highest final seq: a change committed behind a still-open transaction is above it and reaches a reader
        // that starts here once that transaction ends.
        var command = dataSource.CreateCommand($"SELECT coalesce(max(seq), 0) FROM callgrains_changes WHERE at < $1 AND seq < {FeedNumbering.Horizon}");
        command.Parameters.Add(NothingStampedAfter());
        var rows = await QueryAsync("read the change feed", command, reader => reader.GetInt64(0), cancellationToken);
        return rows.FirstOrDefault();
    }

    /// <summary>Runs a query and reads every row; a failure to reach the store is a <see cref="StoreUnavailableException"/> naming <paramref name="operation"/>.</summary>
    private async Task<List<T>> QueryAsync<T>(
        string operation, NpgsqlCommand command, Func<NpgsqlDataReader, T> read, CancellationToken cancellationToken)
    {
        await using (command) return await RowsAsync(operation, command.ExecuteReaderAsync, setUpStatements: 0, read, cancellationToken);
    }

    /// <summary>
    /// <paramref name="query"/> by an index and in its backend alone, whatever the statistics say. A week's journal
    /// partition has none until autovacuum first analyses it, and stale ones while it grows fast; guessing, the planner
    /// read the whole week with two parallel workers, for an activation read of forty new calls (50 to 177 ms in the bench
    /// of 2026-11-30, every activation of the moment waiting on it) and for the catch-up sweep of a partial index that
    /// holds nothing. Even by an index it launched workers for a read of a few pages, and waited for them (47 to 53 ms).
    /// The settings are local to the query's own transaction (the batch's, one round trip).
    /// </summary>
    private NpgsqlBatch ByIndexAlone(NpgsqlBatchCommand query)
    {
        var batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand(
            "SELECT set_config('enable_seqscan', 'off', true), set_config('max_parallel_workers_per_gather', '0', true)"));
        batch.BatchCommands.Add(query);
        return batch;
    }

    /// <summary>As the command's, for a batch whose last statement is the query (the ones before set its transaction up).</summary>
    private async Task<List<T>> QueryAsync<T>(
        string operation, NpgsqlBatch batch, Func<NpgsqlDataReader, T> read, CancellationToken cancellationToken)
    {
        await using (batch)
            return await RowsAsync(operation, batch.ExecuteReaderAsync, batch.BatchCommands.Count - 1, read, cancellationToken);
    }

    private async Task<List<T>> RowsAsync<T>(string operation, Func<CancellationToken, Task<NpgsqlDataReader>> execute,
        int setUpStatements, Func<NpgsqlDataReader, T> read, CancellationToken cancellationToken)
    {
        try
        {
            await using var reader = await execute(cancellationToken);
            for (var statement = 0; statement < setUpStatements; statement++) await reader.NextResultAsync(cancellationToken);
            var rows = new List<T>();
            while (await reader.ReadAsync(cancellationToken)) rows.Add(read(reader));
            return rows;
        }
        catch (Exception ex) when (StoreFailures.IsUnavailable(ex))
        {
            throw Unavailable(operation, ex);
        }
    }

    /// <summary>One page in list order (newest first), one row more than the limit to tell whether another follows.</summary>
    private NpgsqlCommand ListCommand(CallQuery query)
    {
        var (command, sql) = Filtered(query, $"SELECT {CallColumns} FROM callgrains_calls WHERE true");
        if (query.Cursor is { } cursor)
        {
            // Strictly after the cursor in list order: older, or as old with a smaller session id.
            var at = Parameter(command, cursor.FirstReceivedAt.ToUniversalTime());
            var id = Parameter(command, cursor.SessionId);
            sql.Append($" AND (first_received_at, session_id) < ({at}, {id})");
        }
        sql.Append($" ORDER BY first_received_at DESC, session_id DESC LIMIT {Parameter(command, query.Limit + 1)}");
        command.CommandText = sql.ToString();
        return command;
    }

    /// <summary>
    /// The query's filters (not its cursor, order or limit) after <paramref name="select"/>. Only the filters in use go
    /// into the SQL, so that each combination plans onto its own index instead of one catch-all plan; values always
    /// travel as parameters.
    /// </summary>
    private (NpgsqlCommand Command, StringBuilder Sql) Filtered(CallQuery query, string select)
    {
        var sql = new StringBuilder(select);
        var command = dataSource.CreateCommand();
        if (query.UserData is { } userData) sql.Append($" AND user_data = {Parameter(command, userData)}");
        if (query.Status is { } status) sql.Append($" AND status = {Parameter(command, ContractWords.Of(status))}");
        if (query.Outcome is { } outcome) sql.Append($" AND outcome = {Parameter(command, ContractWords.Of(outcome))}");
        if (query.Since is { } since) sql.Append($" AND first_received_at >= {Parameter(command, since.ToUniversalTime())}");
        if (query.Until is { } until) sql.Append($" AND first_received_at < {Parameter(command, until.ToUniversalTime())}");
        if (query.Stuck is { } stuck)
        {
            sql.Append($" AND updated_at <= {Parameter(command, stuck.SilentSince.ToUniversalTime())} AND NOT final");
            var ended = Parameter(command, ContractWords.Of(CallStatus.Ended));
            sql.Append(stuck.Kind == StuckKind.CdrOverdue ? $" AND status = {ended}" : $" AND status <> {ended}");
        }
        if (query.Unverified is { } unverified) sql.Append(unverified ? " AND unverified > 0" : " AND unverified = 0");
        TenantFilter.Append(sql, command.Parameters, query.Tenant);
        return (command, sql);
    }

    private static string Parameter<T>(NpgsqlCommand command, T value)
    {
        command.Parameters.Add(new NpgsqlParameter<T> { TypedValue = value });
        return "$" + command.Parameters.Count;
    }

    private static CallRow ReadCall(NpgsqlDataReader reader) => new(
        reader.GetString(0),
        reader.IsDBNull(1) ? null : reader.GetString(1),
        ContractWords.Parse<CallStatus>(reader.GetString(2)),
        reader.IsDBNull(3) ? null : ContractWords.Parse<CallOutcome>(reader.GetString(3)),
        reader.GetBoolean(4),
        reader.GetFieldValue<DateTimeOffset>(5),
        reader.GetFieldValue<DateTimeOffset>(6),
        reader.GetInt32(7),
        ViewJsonColumn.Read(reader, 8),
        reader.GetInt32(9));

    /// <summary>
    /// After the server went away every pooled connection is dead; dropping the idle ones now means the next
    /// request opens a fresh connection instead of each stale one failing once.
    /// </summary>
    private StoreUnavailableException Unavailable(string operation, Exception exception)
    {
        if (StoreFailures.IsConnectionLost(exception)) dataSource.Clear();
        return StoreFailures.Unavailable(operation, exception);
    }
}
