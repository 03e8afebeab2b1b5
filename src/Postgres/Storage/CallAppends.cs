using CallGrains.Domain.Calls;
using CallGrains.Storage;
using Npgsql;
using NpgsqlTypes;

namespace CallGrains.Postgres.Storage;

/// <summary>
/// The only place that writes the journal, the calls projection and the change feed. Any number of appends go
/// in as two array-parameter statements sent in one batch, so a single push costs one round trip and a
/// group-commit writer can hand in hundreds of appends at the same cost.
/// </summary>
public static partial class CallAppends
{
    // Arrival order is the journal's seq order, so rows are inserted in list order (WITH ORDINALITY ... ORDER BY).
    // A key already journalled, or repeated earlier in the same list, is skipped: the first one wins, and only
    // items actually journalled make a change. A pending row of the key (db/016: journaled without the grain) is not
    // skipped but taken over: marked projected as the grain decided it, and it comes back to make its change like a
    // new row (a key can be proposed to DO UPDATE once per statement, hence the first-per-key list). A change's seq is
    // its transaction's id shifted by FeedNumbering.Bits plus its place in the batch (db/018): readers read below the
    // oldest open transaction's, so commits need not wait for each other to keep the feed in order.
    // The journal is partitioned by its call's first receipt (db/014: the calls row's first_received_at, not the item's
    // own receipt), so that a call's items live and are dropped with its calls row; each of them carries it.
    private static readonly string JournalAndChangesSql = $"""
        WITH input AS (
            SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::boolean[], $7::text[],
                                 $8::text[], $9::integer[], $10::text[], $11::text[], $12::boolean[], $13::timestamptz[])
                WITH ORDINALITY AS a(session_id, item_key, event_type, body, received_at, changed_view, flag,
                                     change_type, version, user_data, view_json, folded, first_received_at, arrival)
        ),
        first_per_key AS (
            SELECT DISTINCT ON (session_id, item_key) * FROM input ORDER BY session_id, item_key, arrival
        ),
        journaled AS (
            INSERT INTO callgrains_journal (session_id, item_key, event_type, body, received_at, changed_view, flag, folded,
                                            first_received_at)
            SELECT session_id, item_key, event_type, body, received_at, changed_view, flag, folded, first_received_at
            FROM first_per_key ORDER BY arrival
            ON CONFLICT (session_id, item_key, first_received_at) DO UPDATE
               SET projected = true, changed_view = excluded.changed_view, folded = excluded.folded
             WHERE NOT callgrains_journal.projected
            RETURNING session_id, item_key
        ),
        new_changes AS (
            SELECT DISTINCT ON (i.session_id, i.item_key) i.*
            FROM input i JOIN journaled j ON j.session_id = i.session_id AND j.item_key = i.item_key
            WHERE i.change_type IS NOT NULL
            ORDER BY i.session_id, i.item_key, i.arrival
        )
        INSERT INTO callgrains_changes (seq, type, session_id, version, user_data, at, view_json)
        SELECT {FeedNumbering.TransactionBase} + row_number() OVER (ORDER BY c.arrival), c.change_type, c.session_id,
               c.version, c.user_data, c.received_at, c.view_json
        FROM new_changes c
        """;

    // Same rule as the in-memory store: the incoming row replaces the stored one unless the stored one is newer.
    // The table is partitioned by first_received_at (db/014), which a call's rows always carry the same, so
    // (session_id, first_received_at) is still one row per call.
    private const string UpsertCallsSql = """
        INSERT INTO callgrains_calls AS c
            (session_id, user_data, status, outcome, final, first_received_at, updated_at, version, view_json, unverified,
             fold_version)
        SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::boolean[],
                             $6::timestamptz[], $7::timestamptz[], $8::integer[], $9::text[], $10::integer[], $11::integer[])
        ON CONFLICT (session_id, first_received_at) DO UPDATE
           SET user_data = excluded.user_data,
               status = excluded.status,
               outcome = excluded.outcome,
               final = excluded.final,
               first_received_at = excluded.first_received_at,
               updated_at = excluded.updated_at,
               version = excluded.version,
               view_json = excluded.view_json,
               unverified = excluded.unverified,
               fold_version = excluded.fold_version
         WHERE c.version <= excluded.version
        """;

    /// <summary>
    /// Writes <paramref name="appends"/> in list order as one unit, in PostgreSQL's implicit transaction (one round
    /// trip, all or nothing). Never two of these in one transaction: each numbers its changes from the transaction's
    /// id (<see cref="FeedNumbering"/>), and a second would number the same seqs again.
    /// </summary>
    public static async Task ExecuteAsync(NpgsqlConnection connection, IReadOnlyList<CallAppend> appends, CancellationToken cancellationToken = default)
    {
        if (appends.Count == 0) return;
        ArgumentOutOfRangeException.ThrowIfGreaterThan(appends.Count, FeedNumbering.MaxChangesPerTransaction, nameof(appends));
        await using var batch = new NpgsqlBatch(connection);
        batch.BatchCommands.Add(CallsCommand(LatestRowPerCall(appends)));
        batch.BatchCommands.Add(JournalAndChangesCommand(appends));
        // Planning is about a sixth of these statements' server time for a batch of twenty. Prepared on a pooled
        // connection they stay prepared there, so this sends nothing but the first time each connection runs them.
        await batch.PrepareAsync(cancellationToken);
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    private static NpgsqlBatchCommand JournalAndChangesCommand(IReadOnlyList<CallAppend> appends)
    {
        var command = new NpgsqlBatchCommand(JournalAndChangesSql);
        command.Parameters.Add(TextArray(appends.Select(a => a.Entry.SessionId)));
        command.Parameters.Add(TextArray(appends.Select(a => a.Entry.ItemKey)));
        command.Parameters.Add(TextArray(appends.Select(a => a.Entry.Item.EventType)));
        command.Parameters.Add(TextArray(appends.Select(a => a.Entry.Item.Body)));
        command.Parameters.Add(TimeArray(appends.Select(a => a.Entry.Item.ReceivedAt)));
        command.Parameters.Add(BooleanArray(appends.Select(a => a.Entry.ChangedView)));
        command.Parameters.Add(TextArray(appends.Select(a => a.Entry.Item.Flag)));
        command.Parameters.Add(TextArray(appends.Select(a => a.ChangeType)));
        command.Parameters.Add(IntegerArray(appends.Select(a => a.Call.Version)));
        command.Parameters.Add(TextArray(appends.Select(a => a.Call.UserData)));
        command.Parameters.Add(ViewJsonColumn.Array(appends.Select(a => a.Call.ViewJson)));
        command.Parameters.Add(BooleanArray(appends.Select(a => a.Entry.Folded)));
        command.Parameters.Add(TimeArray(appends.Select(a => a.Call.FirstReceivedAt)));
        return command;
    }

    private static NpgsqlBatchCommand CallsCommand(IReadOnlyList<CallRow> rows)
    {
        var command = new NpgsqlBatchCommand(UpsertCallsSql);
        command.Parameters.Add(TextArray(rows.Select(r => r.SessionId)));
        command.Parameters.Add(TextArray(rows.Select(r => r.UserData)));
        command.Parameters.Add(TextArray(rows.Select(r => ContractWords.Of(r.Status))));
        command.Parameters.Add(TextArray(rows.Select(r => r.Outcome is { } o ? ContractWords.Of(o) : null)));
        command.Parameters.Add(BooleanArray(rows.Select(r => r.Final)));
        command.Parameters.Add(TimeArray(rows.Select(r => r.FirstReceivedAt)));
        command.Parameters.Add(TimeArray(rows.Select(r => r.UpdatedAt)));
        command.Parameters.Add(IntegerArray(rows.Select(r => r.Version)));
        command.Parameters.Add(ViewJsonColumn.Array(rows.Select(r => r.ViewJson)));
        command.Parameters.Add(IntegerArray(rows.Select(r => r.Unverified)));
        command.Parameters.Add(IntegerArray(rows.Select(r => r.FoldVersion)));
        return command;
    }

    /// <summary>
    /// One row per call, as if the list had been applied one append at a time: a later row replaces an
    /// earlier one unless the earlier one has a higher version. (One INSERT cannot upsert a key twice.)
    /// </summary>
    private static IReadOnlyList<CallRow> LatestRowPerCall(IReadOnlyList<CallAppend> appends)
    {
        if (appends.Count == 1) return [appends[0].Call];
        var latest = new Dictionary<string, CallRow>(StringComparer.Ordinal);
        foreach (var append in appends)
        {
            if (!latest.TryGetValue(append.Call.SessionId, out var held) || held.Version <= append.Call.Version)
                latest[append.Call.SessionId] = append.Call;
        }
        return [.. latest.Values];
    }

    private static NpgsqlParameter<bool[]> BooleanArray(IEnumerable<bool> values) => new()
    {
        TypedValue = [.. values],
        NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Boolean,
    };

    private static NpgsqlParameter<int[]> IntegerArray(IEnumerable<int> values) => new()
    {
        TypedValue = [.. values],
        NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Integer,
    };

    private static NpgsqlParameter<string?[]> TextArray(IEnumerable<string?> values) => new()
    {
        TypedValue = [.. values],
        NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text,
    };

    // timestamptz only takes UTC offsets in Npgsql 6+; PostgreSQL keeps microseconds, so sub-microsecond
    // ticks are dropped on the way in.
    private static NpgsqlParameter<DateTimeOffset[]> TimeArray(IEnumerable<DateTimeOffset> values) => new()
    {
        TypedValue = [.. values.Select(v => v.ToUniversalTime())],
        NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz,
    };
}
