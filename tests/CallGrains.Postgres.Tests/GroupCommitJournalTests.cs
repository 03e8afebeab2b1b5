using CallGrains.Postgres.Storage;
using CallGrains.Storage;
using CallGrains.Tests.Shared;
using static CallGrains.Tests.Shared.StoredCalls;

namespace CallGrains.Postgres.Tests;

[Collection(PostgresCollection.Name)]
public sealed class GroupCommitJournalTests(PostgresServer server)
{
    // Conflicts with the row-exclusive lock every insert into the feed takes: a commit that writes a change waits for it.
    private const string HoldChanges = "LOCK TABLE callgrains_changes IN SHARE MODE";

    [Fact]
    public async Task Concurrent_appends_share_transactions_and_each_completes_only_once_committed()
    {
        await using var db = await StoreDatabase.CreateAsync(server);
        await using var journal = new GroupCommitJournal(db.Store, new GroupCommitOptions { Writers = 2, MaxBatch = 64 });

        var appends = Enumerable.Range(0, 600).Select(async i =>
        {
            await journal.AppendAsync(Entry($"s-{i}", "k-1"), Row($"s-{i}", 1));
            // Completed means committed: a fresh read on another connection already sees it.
            return (await db.Store.ReadSessionAsync($"s-{i}")).Count;
        });
        var seen = await Task.WhenAll(appends);

        Assert.All(seen, count => Assert.Equal(1, count));
        Assert.Equal(600, journal.Appends);
        Assert.True(journal.Batches < 600 / 4, $"600 appends took {journal.Batches} transactions");
    }

    /// <remarks>
    /// One writer: everything that arrives during the held-up commit waits for it and then goes in one transaction. Two
    /// (the default): the idle writer takes the first arrival at once, and is held up beside it; the rest still wait and
    /// go in one transaction.
    /// </remarks>
    [Theory]
    [InlineData(1, 2)]
    [InlineData(2, 3)]
    public async Task Appends_that_arrive_while_commits_are_held_up_go_into_one_next_transaction(int writers, int transactions)
    {
        await using var db = await StoreDatabase.CreateAsync(server);
        await using var journal = new GroupCommitJournal(db.Store, new GroupCommitOptions { Writers = writers });
        // Another transaction holds the change feed's table, so the first commit waits, as a slow one would.
        await using var holder = await db.Source.OpenConnectionAsync();
        await using var transaction = await holder.BeginTransactionAsync();
        await using (var lockFeed = new Npgsql.NpgsqlCommand(HoldChanges, holder, transaction))
            await lockFeed.ExecuteNonQueryAsync();

        var first = journal.AppendAsync(Entry("w-0", "k-1"), Row("w-0", 1));
        await Polling.UntilAsync(() => journal.Batches == 1, TimeSpan.FromSeconds(10), "the writer to take the first append", TimeSpan.FromMilliseconds(10));
        // One at a time, as pushes arrive: each finds the queue empty, and any idle writer would take it alone.
        var queued = new List<Task>();
        for (var i = 1; i <= 20; i++)
        {
            queued.Add(journal.AppendAsync(Entry($"w-{i}", "k-1"), Row($"w-{i}", 1)));
            await Task.Delay(25);
        }
        await transaction.RollbackAsync();
        await Task.WhenAll([first, .. queued]).WaitAsync(TimeSpan.FromSeconds(30));

        // Each idle writer takes the append that reaches it alone; with none idle, the appends wait together.
        Assert.Equal(transactions, journal.Batches);
        Assert.Equal(21, (await db.Store.ListAsync(new CallQuery(Limit: 100))).Items.Count);
    }

    [Fact]
    public async Task A_full_queue_refuses_at_once_and_what_was_queued_commits_when_the_database_catches_up()
    {
        await using var db = await StoreDatabase.CreateAsync(server);
        await using var journal = new GroupCommitJournal(db.Store, new GroupCommitOptions { Writers = 1, MaxBatch = 1, MaxQueued = 2 });
        // Holding the change feed's table stalls every commit, as a database that cannot keep up would.
        await using var stall = await db.Source.OpenConnectionAsync();
        await using var transaction = await stall.BeginTransactionAsync();
        await using (var lockFeed = new Npgsql.NpgsqlCommand(HoldChanges, stall, transaction))
            await lockFeed.ExecuteNonQueryAsync();

        var accepted = new List<Task>();
        StoreUnavailableException? refused = null;
        for (var i = 0; i < 20 && refused is null; i++)
        {
            try
            {
                accepted.Add(journal.AppendAsync(Entry($"q-{i}", "k-1"), Row($"q-{i}", 1)));
            }
            catch (StoreUnavailableException ex)
            {
                refused = ex;
            }
            await Task.Delay(50);
        }

        Assert.NotNull(refused);
        Assert.Contains("not keeping up", refused.Message, StringComparison.Ordinal);
        // Refused before the database was tried: a node must not spool this (the database is up, only behind).
        Assert.True(refused.Refused);
        Assert.InRange(accepted.Count, 2, 3);
        Assert.All(accepted, t => Assert.False(t.IsCompleted));
        await transaction.RollbackAsync();
        await Task.WhenAll(accepted).WaitAsync(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task A_bad_append_fails_alone_and_its_batch_neighbours_commit()
    {
        await using var db = await StoreDatabase.CreateAsync(server);
        await using var journal = new GroupCommitJournal(db.Store, new GroupCommitOptions { Writers = 1, LingerMs = 50 });

        var good = Enumerable.Range(0, 20).Select(i => journal.AppendAsync(Entry($"ok-{i}", "k-1"), Row($"ok-{i}", 1))).ToList();
        // The calls table refuses a negative version: a push whose content the server will not take.
        var bad = journal.AppendAsync(Entry("bad", "k-1"), Row("bad", -1));

        await Task.WhenAll(good);
        await Assert.ThrowsAsync<StoreUnavailableException>(() => bad);
        Assert.Empty(await db.Store.ReadSessionAsync("bad"));
        Assert.Equal(20, (await db.Store.ListAsync(new CallQuery(Limit: 100))).Items.Count);
    }

    [Fact]
    public async Task An_outage_fails_exactly_the_pushes_in_flight_and_writing_resumes_when_the_server_returns()
    {
        await using var db = await StoreDatabase.CreateAsync(server);
        await using var journal = new GroupCommitJournal(db.Store, new GroupCommitOptions { Writers = 2 });
        await journal.AppendAsync(Entry("before", "k-1"), Row("before", 1));

        await server.StopAsync();
        try
        {
            var failed = await Assert.ThrowsAsync<StoreUnavailableException>(() => journal.AppendAsync(Entry("during", "k-1"), Row("during", 1)));
            // A commit tried and failed: what a node spools.
            Assert.False(failed.Refused);
        }
        finally
        {
            await server.StartAsync();
        }
        await journal.AppendAsync(Entry("after", "k-1"), Row("after", 1));

        Assert.Single(await db.Store.ReadSessionAsync("before"));
        Assert.Empty(await db.Store.ReadSessionAsync("during"));
        Assert.Single(await db.Store.ReadSessionAsync("after"));
    }
}
