using CallGrains.Domain.Calls;
using CallGrains.Postgres.Storage;
using CallGrains.Storage;
using CallGrains.Tests.Shared;
using Npgsql;
using static CallGrains.Tests.Shared.StoredCalls;

namespace CallGrains.Postgres.Tests;

/// <summary>The re-derivation's reads and rewrites of callgrains_calls (db/017), on a throwaway database each.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresStoredViewsTests(PostgresServer server)
{
    [Fact]
    public async Task Rows_record_the_fold_that_wrote_them_and_only_rows_of_an_older_fold_are_listed_in_session_order()
    {
        await using var db = await StoreDatabase.CreateAsync(server);
        var views = new PostgresStoredViews(db.Source);
        await db.Store.AppendAsync(Entry("s-a", "k"), Row("s-a", version: 1));
        foreach (var session in new[] { "s-d", "s-b", "s-c" })
            await db.Store.AppendAsync(Entry(session, "k"), Row(session, version: 1) with { FoldVersion = 0 });

        Assert.Equal(new[] { "s-b", "s-c" }, await views.ListStaleAsync(null, 2));
        Assert.Equal(new[] { "s-d" }, await views.ListStaleAsync("s-c", 2));
        Assert.Empty(await views.ListStaleAsync("s-d", 2));
        Assert.Equal(3, await views.CountStaleAsync());
        Assert.Equal(new StoredView("s-a", 1, CallFold.Version, false, Row("s-a", 1).ViewJson), await views.ReadAsync("s-a"));
        Assert.Equal(0, (await views.ReadAsync("s-b"))!.FoldVersion);
        Assert.Null(await views.ReadAsync("s-unknown"));
    }

    [Fact]
    public async Task A_rewrite_replaces_the_row_with_its_change_only_while_the_row_is_at_the_expected_version()
    {
        await using var db = await StoreDatabase.CreateAsync(server);
        var views = new PostgresStoredViews(db.Source);
        await db.Store.AppendAsync(Entry("s-1", "k-1"), Row("s-1", version: 1) with { FoldVersion = 0 });
        await db.Store.AppendAsync(Entry("s-1", "k-2"), Row("s-1", version: 2) with { FoldVersion = 0 });
        var seq = await db.Store.LastSeqAsync();
        var rewritten = Row("s-1", version: 3, userData: "u-1", status: CallStatus.Ended, outcome: CallOutcome.Answered, final: true);

        Assert.False(await views.RewriteAsync(rewritten, expectedVersion: 1, "call.final"));
        Assert.Equal(seq, await db.Store.LastSeqAsync());
        Assert.True(await views.RewriteAsync(rewritten, expectedVersion: 2, "call.final"));

        Assert.Equal(new StoredView("s-1", 3, CallFold.Version, true, rewritten.ViewJson), await views.ReadAsync("s-1"));
        var change = Assert.Single(await db.Store.ReadAsync(new ChangeQuery(After: seq)));
        Assert.Equal(("call.final", "s-1", 3, "u-1", rewritten.UpdatedAt, rewritten.ViewJson),
            (change.Type, change.SessionId, change.Version, change.UserData, change.At, change.ViewJson));
        var listed = Assert.Single((await db.Store.ListAsync(new CallQuery(Outcome: CallOutcome.Answered))).Items);
        Assert.Equal(rewritten with { FoldVersion = CallFold.Version }, listed);
        Assert.Equal(0, await views.CountStaleAsync());
    }

    [Fact]
    public async Task Stamping_records_the_fold_version_of_the_row_at_that_version_and_nothing_else()
    {
        await using var db = await StoreDatabase.CreateAsync(server);
        var views = new PostgresStoredViews(db.Source);
        await db.Store.AppendAsync(Entry("s-1", "k-1"), Row("s-1", version: 2) with { FoldVersion = 0 });

        await views.StampAsync("s-1", version: 1, CallFold.Version);
        Assert.Equal(0, (await views.ReadAsync("s-1"))!.FoldVersion);
        await views.StampAsync("s-1", version: 2, CallFold.Version);

        Assert.Equal(new StoredView("s-1", 2, CallFold.Version, false, Row("s-1", 2).ViewJson), await views.ReadAsync("s-1"));
        Assert.Equal(0, await views.CountStaleAsync());
    }

    [Fact]
    public async Task The_stale_rows_index_names_the_current_fold_version_so_that_the_walk_reads_through_it()
    {
        await using var db = await StoreDatabase.CreateAsync(server);
        await using var connection = await db.Source.OpenConnectionAsync();

        await using (var definition = new NpgsqlCommand("SELECT pg_get_indexdef('callgrains_calls_fold_stale'::regclass)", connection))
            Assert.EndsWith($"WHERE (fold_version < {CallFold.Version})", (string)(await definition.ExecuteScalarAsync())!);
        await using (var off = new NpgsqlCommand("SET enable_seqscan = off", connection)) await off.ExecuteNonQueryAsync();
        await using var explain = new NpgsqlCommand(
            $"EXPLAIN SELECT session_id FROM callgrains_calls WHERE fold_version < {CallFold.Version} ORDER BY session_id LIMIT 100", connection);
        var plan = new List<string>();
        await using (var reader = await explain.ExecuteReaderAsync())
            while (await reader.ReadAsync()) plan.Add(reader.GetString(0));
        Assert.DoesNotContain(plan, line => line.Contains("Seq Scan", StringComparison.Ordinal));
    }
}
