using System.Diagnostics;
using System.Diagnostics.Metrics;
using CallGrains.Domain.Changes;
using CallGrains.Postgres.Storage;
using CallGrains.Storage;
using CallGrains.Telemetry;
using CallGrains.Tests.Shared;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using static CallGrains.Tests.Shared.StoredCalls;

namespace CallGrains.Postgres.Tests;

/// <summary>
/// The feed numbered by transaction (db/018): writers commit side by side, and a reader still never moves past a seq
/// that a lower one could later join. The race under load is <see cref="Orleans.ChangeFeedRaceTests"/>; these pin the
/// one interleaving it exists for.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class ChangeFeedNumberingTests(PostgresServer server)
{
    [Fact]
    public async Task A_change_committed_behind_an_open_writer_is_held_back_until_that_writer_commits_and_then_follows_its_change()
    {
        await using var db = await StoreDatabase.CreateAsync(server);
        var start = await db.Store.LastSeqAsync();
        // An older writer, mid-batch: it has numbered its change and not committed yet.
        await using var older = await db.Source.OpenConnectionAsync();
        await using var transaction = await older.BeginTransactionAsync();
        await ExecuteAsync(older, transaction, $"""
            INSERT INTO callgrains_changes (seq, type, session_id, version, user_data, at, view_json)
            VALUES ({FeedNumbering.TransactionBase} + 1, 'call.updated', 'older', 1, null, now(), '{"{}"}')
            """);
        // A younger writer commits (its push is acknowledged) while the older one is still open.
        await db.Store.AppendAsync(Entry("younger", "k-1"), Row("younger", 1));

        var waited = Stopwatch.StartNew();
        var whileOpen = await db.Store.ReadAsync(new ChangeQuery(After: start));
        waited.Stop();

        // Handing out the younger change now would move a reader past the older one, which commits below it.
        Assert.Empty(whileOpen);
        Assert.Equal(start, await db.Store.LastSeqAsync());
        Assert.True(waited.Elapsed >= FeedNumbering.HeldBackWait * 0.9, $"answered after {waited.Elapsed}, without waiting for the older writer");

        await transaction.CommitAsync();
        var afterCommit = await db.Store.ReadAsync(new ChangeQuery(After: start));
        Assert.Equal(["older", "younger"], afterCommit.Select(c => c.SessionId));
        Assert.True(afterCommit[0].Seq < afterCommit[1].Seq);
        Assert.Equal(afterCommit[1].Seq, await db.Store.LastSeqAsync());
    }

    [Fact]
    public async Task A_read_that_finds_a_change_held_back_waits_for_the_older_writer_and_answers_with_it()
    {
        await using var db = await StoreDatabase.CreateAsync(server);
        var start = await db.Store.LastSeqAsync();
        // An older writer that holds a transaction id and writes no change (a batch of duplicates, say).
        await using var older = await db.Source.OpenConnectionAsync();
        await using var transaction = await older.BeginTransactionAsync();
        await ExecuteAsync(older, transaction, "SELECT pg_current_xact_id()");
        await db.Store.AppendAsync(Entry("acknowledged", "k-1"), Row("acknowledged", 1));

        var read = db.Store.ReadAsync(new ChangeQuery(After: start));
        await Task.Delay(200);
        Assert.False(read.IsCompleted, "the read answered while the change it owes was held back");
        await transaction.RollbackAsync();

        // Readable as soon as acknowledged: the read waited for the older writer rather than answer without the change.
        var change = Assert.Single(await read.WaitAsync(FeedNumbering.HeldBackWait));
        Assert.Equal("acknowledged", change.SessionId);
    }

    [Fact]
    public async Task Changes_of_one_batch_are_numbered_in_its_order_and_above_every_change_committed_before_it()
    {
        await using var db = await StoreDatabase.CreateAsync(server);
        await db.Store.AppendAsync(Entry("first", "k-1"), Row("first", 1));
        var before = await db.Store.LastSeqAsync();

        await db.Store.AppendManyAsync([.. Enumerable.Range(0, 5).Select(i => Append(Entry($"b-{i}", "k-1"), Row($"b-{i}", 1)))]);

        var batch = await db.Store.ReadAsync(new ChangeQuery(After: before));
        Assert.Equal(["b-0", "b-1", "b-2", "b-3", "b-4"], batch.Select(c => c.SessionId));
        Assert.Equal(batch.Select(c => c.Seq).Order(), batch.Select(c => c.Seq));
        Assert.True(batch[0].Seq > before);
    }

    [Fact]
    public async Task Reads_held_back_are_counted_as_caught_up_when_the_older_writer_ends_and_timed_out_when_it_stays_open()
    {
        using var services = new ServiceCollection().AddCallGrainsMetrics().BuildServiceProvider();
        var outcomes = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var meters = services.GetRequiredService<IMeterFactory>();
        using var listener = new MeterListener();
        // This store's meter only (its factory is its scope): other tests' nodes count reads of their own.
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Scope == meters && instrument.Name == "callgrains.changes.held_back") l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((_, _, tags, _) => outcomes.Enqueue((string)tags[0].Value!));
        listener.Start();
        await using var db = await StoreDatabase.CreateAsync(server, services.GetRequiredService<CallGrainsMetrics>());
        var start = await db.Store.LastSeqAsync();
        await db.Store.ReadAsync(new ChangeQuery(After: start));
        Assert.Empty(outcomes);

        await using var older = await db.Source.OpenConnectionAsync();
        await using var transaction = await older.BeginTransactionAsync();
        await ExecuteAsync(older, transaction, "SELECT pg_current_xact_id()");
        await db.Store.AppendAsync(Entry("acknowledged", "k-1"), Row("acknowledged", 1));
        // Left open past the read's limit: what an operator is told about, since it holds every reader back.
        Assert.Empty(await db.Store.ReadAsync(new ChangeQuery(After: start)));
        Assert.Equal(["timed-out"], outcomes);

        var read = db.Store.ReadAsync(new ChangeQuery(After: start));
        await Task.Delay(100);
        await transaction.RollbackAsync();
        Assert.Single(await read);
        Assert.Equal(["timed-out", "caught-up"], outcomes);
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        await command.ExecuteNonQueryAsync();
    }
}
