using CallGrains.Postgres.Storage;
using CallGrains.Storage;
using CallGrains.Tests.Shared;
using Npgsql;
using static CallGrains.Tests.Shared.StoredCalls;

namespace CallGrains.Postgres.Tests;

[Collection(PostgresCollection.Name)]
public sealed class BatchedJournalReaderTests(PostgresServer server)
{
    [Fact]
    public async Task Concurrent_reads_share_queries_and_each_session_gets_its_own_items_in_arrival_order()
    {
        await using var db = await StoreDatabase.CreateAsync(server);
        // Session i holds i % 4 items (a quarter hold none, as a new call does), appended interleaved across sessions.
        var appends = Enumerable.Range(0, 3)
            .SelectMany(k => Enumerable.Range(0, 60).Where(i => k < i % 4).Select(i => Append(
                Entry($"s-{i}", $"k-{k}", body: $"item {k} of s-{i}"), Row($"s-{i}", version: k + 1))))
            .ToList();
        await db.Store.AppendManyAsync(appends);
        await using var reader = new BatchedJournalReader(db.Store, new JournalReadOptions { Readers = 1, MaxBatch = 16 });

        // Every session asked for twice, as an activation and an /events read might at the same time.
        var sessions = Enumerable.Range(0, 60).Concat(Enumerable.Range(0, 60)).Select(i => $"s-{i}").ToList();
        var reads = await Task.WhenAll(sessions.Select(id => reader.ReadSessionAsync(id)));

        for (var n = 0; n < sessions.Count; n++)
            Assert.Equal(await db.Store.ReadSessionAsync(sessions[n]), reads[n]);
        Assert.All(Enumerable.Range(0, 60), i => Assert.Equal(
            Enumerable.Range(0, i % 4).Select(k => $"item {k} of s-{i}"), reads[i].Select(e => e.Item.Body)));
        Assert.InRange(reader.Queries, 120 / 16, 120 / 2);
    }

    [Fact]
    public async Task An_outage_fails_every_read_waiting_on_it_and_reading_resumes_when_the_server_returns()
    {
        // Only a server this run started may be stopped.
        if (!server.IsThrowaway) return;
        await using var db = await StoreDatabase.CreateAsync(server);
        await db.Store.AppendAsync(Entry("s-1", "k-1"), Row("s-1", version: 1));
        await using var reader = new BatchedJournalReader(db.Store, new JournalReadOptions { Readers = 2 });

        await server.StopAsync();
        try
        {
            var reads = Enumerable.Range(0, 40).Select(i => reader.ReadSessionAsync($"s-{i % 3}")).ToList();
            foreach (var read in reads) await Assert.ThrowsAsync<StoreUnavailableException>(() => read);
        }
        finally
        {
            await server.StartAsync();
        }

        // Pooled connections died with the server; the first attempts may still meet one of them.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                Assert.Single(await reader.ReadSessionAsync("s-1"));
                return;
            }
            catch (StoreUnavailableException) when (attempt < 20)
            {
                await Task.Delay(250);
            }
        }
    }

    [Fact]
    public async Task A_full_queue_refuses_a_read_at_once_and_what_was_queued_is_read_when_the_database_answers()
    {
        await using var db = await StoreDatabase.CreateAsync(server);
        await db.Store.AppendAsync(Entry("s-1", "k-1"), Row("s-1", version: 1));
        await using var reader = new BatchedJournalReader(db.Store, new JournalReadOptions { Readers = 1, MaxBatch = 1, MaxQueued = 2 });
        // A transaction that holds the journal exclusively stalls every read, as a database that cannot keep up would.
        await using var stall = await db.Source.OpenConnectionAsync();
        await using var transaction = await stall.BeginTransactionAsync();
        await using (var lockJournal = new NpgsqlCommand("LOCK TABLE callgrains_journal IN ACCESS EXCLUSIVE MODE", stall, transaction))
            await lockJournal.ExecuteNonQueryAsync();

        var accepted = new List<Task<IReadOnlyList<JournalEntry>>>();
        StoreUnavailableException? refused = null;
        for (var i = 0; i < 20 && refused is null; i++)
        {
            try
            {
                accepted.Add(reader.ReadSessionAsync("s-1"));
            }
            catch (StoreUnavailableException ex)
            {
                refused = ex;
            }
            await Task.Delay(50);
        }

        Assert.NotNull(refused);
        Assert.Contains("not keeping up", refused.Message, StringComparison.Ordinal);
        // One read in the stalled query, two queued.
        Assert.Equal(3, accepted.Count);
        Assert.All(accepted, t => Assert.False(t.IsCompleted));
        await transaction.RollbackAsync();
        Assert.All(await Task.WhenAll(accepted).WaitAsync(TimeSpan.FromSeconds(30)), entries => Assert.Single(entries));
    }
}
