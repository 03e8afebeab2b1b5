using CallGrains.Tests.Shared;
using Npgsql;

namespace CallGrains.Postgres.Tests;

/// <summary>
/// The reads every activation and every catch-up sweep make must go by an index even when the planner knows nothing of
/// the week's journal: a new week's partition has no statistics until autovacuum first analyses it, and while it grows
/// fast they go stale. Guessing, the planner read the whole week (bench, 2026-11-30: 50 to 177 ms per activation read,
/// every activation of the moment waiting on it).
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class IndexedReadsTests(PostgresServer server)
{
    [Fact]
    public async Task An_activation_read_goes_by_the_index_while_the_week_has_no_statistics_yet()
    {
        await using var db = await WeekWithoutStatisticsAsync();
        var before = await JournalScansAsync(db.Source);

        var read = await db.Store.ReadSessionsAsync([.. Enumerable.Range(0, 40).Select(i => $"new-{i}")]);

        Assert.Equal(0, read.Count);
        await AssertNoWholeScanAsync(db.Source, before);
    }

    [Fact]
    public async Task The_catch_up_sweep_goes_by_its_partial_index_while_the_week_has_no_statistics_yet()
    {
        await using var db = await WeekWithoutStatisticsAsync();
        var before = await JournalScansAsync(db.Source);

        Assert.Empty(await db.Store.SessionsWithPendingAsync(1000));

        await AssertNoWholeScanAsync(db.Source, before);
    }

    /// <summary>A migrated database whose journal holds a busy week's rows, every one projected, not analysed.</summary>
    private async Task<StoreDatabase> WeekWithoutStatisticsAsync()
    {
        var db = await StoreDatabase.CreateAsync(server);
        await using var fill = db.Source.CreateCommand("""
            INSERT INTO callgrains_journal (session_id, item_key, event_type, body, received_at, changed_view, folded, first_received_at)
            SELECT 'busy-' || (i / 5), 'k-' || i, 'callout', '{"eventType":"callout"}', now(), true, true, now()
            FROM generate_series(1, 50000) AS i
            """);
        await fill.ExecuteNonQueryAsync();
        return db;
    }

    private static async Task AssertNoWholeScanAsync(NpgsqlDataSource source, (long Sequential, long Total) before)
    {
        // The reading backend reports its scans when it goes idle (within PostgreSQL's stats interval).
        var after = before;
        await Polling.UntilAsync(async () => (after = await JournalScansAsync(source)).Total > before.Total,
            TimeSpan.FromSeconds(30), "the read's scans to be reported");
        Assert.True(after.Sequential == before.Sequential,
            $"The read scanned journal partitions whole ({after.Sequential - before.Sequential} sequential scans) instead of by an index.");
    }

    private static async Task<(long Sequential, long Total)> JournalScansAsync(NpgsqlDataSource source)
    {
        await using var scans = source.CreateCommand("""
            SELECT coalesce(sum(seq_scan), 0)::bigint, coalesce(sum(seq_scan + coalesce(idx_scan, 0)), 0)::bigint
            FROM pg_stat_user_tables WHERE relname LIKE 'callgrains\_journal%'
            """);
        await using var reader = await scans.ExecuteReaderAsync();
        await reader.ReadAsync();
        return (reader.GetInt64(0), reader.GetInt64(1));
    }
}
