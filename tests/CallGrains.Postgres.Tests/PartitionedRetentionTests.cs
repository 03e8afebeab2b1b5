using CallGrains.Domain.Calls;
using CallGrains.Domain.Retention;
using CallGrains.Postgres.Schema;
using CallGrains.Postgres.Storage;
using CallGrains.Storage;
using CallGrains.Tests.Shared;
using Npgsql;
using static CallGrains.Tests.Shared.StoredCalls;

namespace CallGrains.Postgres.Tests;

/// <summary>db/014's weekly partitions: the migration of an existing database, the sweep that drops weeks, the room ahead.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PartitionedRetentionTests(PostgresServer server)
{
    private static readonly DateTimeOffset WeekA = new(2026, 3, 2, 0, 0, 0, TimeSpan.Zero); // a Monday
    private static readonly DateTimeOffset WeekB = WeekA.AddDays(7);
    private const string ChangeRows = "SELECT seq, type, session_id, version, user_data, at, view_json FROM callgrains_changes ORDER BY seq";
    private static readonly RetentionPolicy ThirtyDays = new(TimeSpan.FromDays(30), TimeSpan.FromDays(1));

    [Fact]
    public async Task Migrating_a_step_013_database_moves_every_row_into_week_partitions_unchanged_and_writes_go_on()
    {
        await using var source = NpgsqlDataSource.Create(await server.CreateDatabaseAsync());
        foreach (var step in SchemaMigrator.Steps.Where(s => s.Version <= 13)) await ExecuteAsync(source, step.Sql);
        // As step 013 held them: three calls in two weeks, two items and two changes each.
        await ExecuteAsync(source, """
            INSERT INTO callgrains_calls (session_id, user_data, status, outcome, final, first_received_at, updated_at, version, view_json, unverified)
            VALUES ('m-1', 'u-1', 'ended', 'answered', true, '2026-03-03 10:00:00+00', '2026-03-03 10:05:00+00', 2, '{"v":"m-1"}', 0),
                   ('m-2', null, 'ringing', null, false, '2026-03-08 23:59:59.123456+00', '2026-03-09 00:00:30+00', 2, '{"v":"m-2"}', 1),
                   ('m-3', 'u-3', 'dialing', null, false, '2026-03-10 08:00:00+00', '2026-03-10 08:00:01+00', 2, '{"v":"m-3"}', 0);
            INSERT INTO callgrains_journal (session_id, item_key, event_type, body, received_at, changed_view, flag, folded)
            SELECT s, k, 'callout', '{"b":"' || s || k || '"}', at, true, CASE WHEN k = 'k-2' THEN 'unverified' END, k = 'k-1'
            FROM (VALUES ('m-1', 'k-1', timestamptz '2026-03-03 10:00:00+00'), ('m-2', 'k-1', '2026-03-08 23:59:59.123456+00'),
                         ('m-1', 'k-2', '2026-03-03 10:05:00+00'), ('m-3', 'k-1', '2026-03-10 08:00:00+00'),
                         ('m-2', 'k-2', '2026-03-09 00:00:30+00'), ('m-3', 'k-2', '2026-03-10 08:00:01+00')) AS v(s, k, at);
            INSERT INTO callgrains_changes (seq, type, session_id, version, user_data, at, view_json)
            SELECT row_number() OVER (ORDER BY received_at, session_id), 'call.updated', session_id, 1, null, received_at, '{}'
            FROM callgrains_journal;
            UPDATE callgrains_feed SET last_seq = 6;
            """);
        var journal = await RowsAsync(source, "SELECT seq, session_id, item_key, event_type, body, received_at, changed_view, flag, folded FROM callgrains_journal ORDER BY seq");
        var calls = await RowsAsync(source, "SELECT * FROM callgrains_calls ORDER BY session_id");
        var changes = await RowsAsync(source, ChangeRows);

        await new SchemaMigrator(source).MigrateAsync();

        Assert.Equal(journal, await RowsAsync(source, "SELECT seq, session_id, item_key, event_type, body, received_at, changed_view, flag, folded FROM callgrains_journal ORDER BY seq"));
        Assert.Equal(calls, await RowsAsync(source, "SELECT session_id, user_data, status, outcome, final, first_received_at, updated_at, version, view_json, unverified FROM callgrains_calls ORDER BY session_id"));
        Assert.Equal(changes, await RowsAsync(source, ChangeRows));
        // Each item carries its call's first receipt, so it lives in its call's week: m-2's second item too, a week later.
        Assert.Equal(0L, await ScalarAsync<long>(source, """
            SELECT count(*) FROM callgrains_journal j JOIN callgrains_calls c USING (session_id)
            WHERE j.first_received_at <> c.first_received_at
            """));
        Assert.Equal(["callgrains_calls_w20260302", "callgrains_calls_w20260309"], await WeekPartitionsAsync(source, "callgrains_calls", "2026-03"));
        Assert.Equal(["callgrains_journal_w20260302", "callgrains_journal_w20260309"], await WeekPartitionsAsync(source, "callgrains_journal", "2026-03"));
        Assert.Equal(0L, await DefaultRowsAsync(source));

        // The upserts still find their call's row and item: a re-sent item is a no-op, a new one goes after the old seqs.
        var store = new PostgresStore(source);
        var first = new DateTimeOffset(2026, 3, 8, 23, 59, 59, TimeSpan.Zero).AddTicks(1_234_560);
        await store.AppendManyAsync([
            Append(Entry("m-2", "k-1", receivedAt: first), Row("m-2", 3, first)),
            Append(Entry("m-2", "k-3", receivedAt: first.AddMinutes(1)), Row("m-2", 3, first)),
        ]);
        Assert.Equal(3, (await store.ReadSessionAsync("m-2")).Count);
        Assert.True(await ScalarAsync<long>(source, "SELECT seq FROM callgrains_journal WHERE item_key = 'k-3'") > 6);
        Assert.Equal(3, (await store.ListAsync(new CallQuery())).Items.Count);
        Assert.Equal(3, (await store.ListAsync(new CallQuery())).Items.Single(c => c.SessionId == "m-2").Version);
        // db/018 numbers changes by transaction: the new one still comes after every seq the old counter handed out.
        var next = Assert.Single(await store.ReadAsync(new ChangeQuery(After: 6)));
        Assert.Equal("m-2", next.SessionId);
    }

    [Fact]
    public async Task A_sweep_drops_the_weeks_past_the_retention_whole_and_keeps_younger_weeks_and_a_week_with_a_recent_push()
    {
        await using var db = await StoreDatabase.CreateAsync(server);
        var retention = new PostgresRetention(db.Source);
        var now = new DateTimeOffset(2026, 5, 15, 12, 0, 0, TimeSpan.Zero);
        // Week A: two calls long over. Week B: a call first heard of then, pushed to yesterday. This week: a young call.
        await AppendCallAsync(db.Store, "old-1", WeekA.AddDays(1), WeekA.AddDays(1).AddMinutes(5));
        await AppendCallAsync(db.Store, "old-2", WeekA.AddDays(6), WeekA.AddDays(6).AddMinutes(5));
        await AppendCallAsync(db.Store, "late", WeekB.AddDays(1), now.AddDays(-1));
        await AppendCallAsync(db.Store, "young", now.AddDays(-2), now.AddDays(-2).AddMinutes(1));
        // Weeks A and B were never made ahead (they are long past): their rows sat in the DEFAULT partitions until now.
        Assert.True(await retention.PrepareAsync(now, now.AddDays(28)) > 0);
        Assert.Equal(0L, await DefaultRowsAsync(db.Source));

        var asked = 0;
        var sweep = await retention.SweepAsync(ThirtyDays, now, () =>
        {
            asked++;
            return Task.FromResult<IReadOnlySet<string>>(new HashSet<string> { "old-1", "young" });
        });

        Assert.Equal((1, 1, 2L), (sweep.WeeksRemoved, sweep.WeeksPostponed, sweep.CallsRemoved));
        Assert.Equal(["old-1"], sweep.RemovedActiveSessions);
        Assert.Equal(1, asked);
        // Week A's three partitions and week B's changes (changes go by their own week); B's calls and journal stay.
        Assert.Equal(4, sweep.PartitionsDropped);
        Assert.Equal(5L, sweep.ChangesRemoved);
        Assert.Empty(await WeekPartitionsAsync(db.Source, "callgrains_journal", "2026-03-02"));
        Assert.Equal(["callgrains_calls_w20260309"], await WeekPartitionsAsync(db.Source, "callgrains_calls", "2026-03"));
        Assert.Empty(await WeekPartitionsAsync(db.Source, "callgrains_changes", "2026-03"));
        Assert.Equal(0L, await ScalarAsync<long>(db.Source, "SELECT count(*) FROM callgrains_journal WHERE session_id LIKE 'old-%'"));
        Assert.Equal(["late", "young"], (await db.Store.ListAsync(new CallQuery())).Items.Select(c => c.SessionId).Order());
        Assert.Equal(2, (await db.Store.ReadSessionAsync("late")).Count);
        Assert.Equal(2, (await db.Store.ReadSessionAsync("young")).Count);
        var feed = await db.Store.ReadAsync(new ChangeQuery(Limit: 100));
        Assert.Equal(["late", "young", "young"], feed.Select(c => c.SessionId).Order());

        // Once the late call is past the retention too, its week goes.
        var later = await retention.SweepAsync(ThirtyDays, now.AddDays(40), () => Task.FromResult<IReadOnlySet<string>>(new HashSet<string>()));
        Assert.Equal(2L, later.CallsRemoved);
        Assert.Empty((await db.Store.ListAsync(new CallQuery())).Items);
    }

    [Fact]
    public async Task Pushes_up_to_the_weeks_made_ahead_never_land_in_a_default_partition_and_one_beyond_them_is_moved_out()
    {
        var now = new DateTimeOffset(2027, 1, 6, 9, 0, 0, TimeSpan.Zero);
        // The service clock stands where the last push is stamped: a journal read finds calls up to its now (and a day).
        await using var db = await StoreDatabase.CreateAsync(server, clock: new FixedClock(now.AddDays(60)));
        var retention = new PostgresRetention(db.Source);
        await retention.PrepareAsync(now, now.AddDays(28));

        await AppendCallAsync(db.Store, "soon", now.AddDays(1), now.AddDays(1));
        await AppendCallAsync(db.Store, "in-four-weeks", now.AddDays(27), now.AddDays(27));
        Assert.Equal(0L, await DefaultRowsAsync(db.Source));

        // The job did not run for two months: the push is stored all the same (the DEFAULT partition), and moved out next run.
        await AppendCallAsync(db.Store, "after-a-gap", now.AddDays(60), now.AddDays(60));
        Assert.True(await DefaultRowsAsync(db.Source) > 0);
        await retention.PrepareAsync(now.AddDays(60), now.AddDays(88));
        Assert.Equal(0L, await DefaultRowsAsync(db.Source));
        Assert.Equal(["after-a-gap", "in-four-weeks", "soon"], (await db.Store.ListAsync(new CallQuery())).Items.Select(c => c.SessionId).Order());
        Assert.Equal(2, (await db.Store.ReadSessionAsync("after-a-gap")).Count);
    }

    /// <summary>A call of two items: its first at <paramref name="first"/>, its last at <paramref name="last"/>.</summary>
    [Fact]
    public async Task Preparing_when_every_week_is_made_does_not_wait_for_the_commits_in_flight()
    {
        var now = new DateTimeOffset(2027, 2, 3, 9, 0, 0, TimeSpan.Zero);
        await using var db = await StoreDatabase.CreateAsync(server, clock: new FixedClock(now));
        var retention = new PostgresRetention(db.Source);
        await retention.PrepareAsync(now, now.AddDays(28));
        // What a group commit holds on the three tables while it waits for its flush.
        await using var inFlight = await TableLock.HoldAsync(db.Source, "callgrains_calls, callgrains_journal, callgrains_changes", "ROW EXCLUSIVE");

        // An exclusive lock would wait for that commit and give up after its lock timeout, failing the silo's start.
        var created = await retention.PrepareAsync(now.AddHours(1), now.AddDays(28));

        Assert.Equal(0, created);
        await inFlight.DisposeAsync();
        // A week still to make is made as before.
        Assert.Equal(3, await retention.PrepareAsync(now, now.AddDays(35)));
    }

    private static async Task AppendCallAsync(PostgresStore store, string sessionId, DateTimeOffset first, DateTimeOffset last)
    {
        await store.AppendAsync(Append(Entry(sessionId, "k-1", receivedAt: first), Row(sessionId, 1, first) with { UpdatedAt = first }));
        await store.AppendAsync(Append(Entry(sessionId, "k-2", receivedAt: last),
            Row(sessionId, 2, first, status: CallStatus.Ended, outcome: CallOutcome.Answered, final: true) with { UpdatedAt = last }));
    }

    private static Task<long> DefaultRowsAsync(NpgsqlDataSource source) => ScalarAsync<long>(source, """
        SELECT (SELECT count(*) FROM callgrains_journal_default) + (SELECT count(*) FROM callgrains_calls_default)
             + (SELECT count(*) FROM callgrains_changes_default)
        """);

    /// <summary>The partitions of <paramref name="parent"/> (from pg_inherits) whose week starts with <paramref name="weekPrefix"/> (yyyy-MM...).</summary>
    private static async Task<List<string>> WeekPartitionsAsync(NpgsqlDataSource source, string parent, string weekPrefix)
    {
        var rows = await RowsAsync(source, $"""
            SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
            WHERE i.inhparent = '{parent}'::regclass AND c.relname LIKE '{parent}_w{weekPrefix.Replace("-", "")}%'
            ORDER BY c.relname
            """);
        return rows;
    }

    private static async Task ExecuteAsync(NpgsqlDataSource source, string sql)
    {
        await using var command = source.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlDataSource source, string sql)
    {
        await using var command = source.CreateCommand(sql);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>Every row as text, column by column, so that two reads compare exactly.</summary>
    private static async Task<List<string>> RowsAsync(NpgsqlDataSource source, string sql)
    {
        await using var command = source.CreateCommand(sql);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync())
            rows.Add(string.Join("|", Enumerable.Range(0, reader.FieldCount).Select(i => reader.IsDBNull(i) ? "null" : Convert.ToString(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture))));
        return rows;
    }
}
