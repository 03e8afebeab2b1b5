using CallGrains.Postgres.Storage;
using CallGrains.Storage;
using CallGrains.Tests.Shared;
using Npgsql;
using static CallGrains.Tests.Shared.StoredCalls;

namespace CallGrains.Postgres.Tests;

/// <summary>
/// A grain's activation reads its call's journal, and most of those reads are of calls that have just begun; readers of
/// the change feed read it after every commit. What those reads cost is the partitions they visit, and the weeks made
/// ahead of the clock cannot hold anything yet, so the reads leave them out.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class ReadsAheadOfTheClockTests(PostgresServer server)
{
    private static readonly DateTimeOffset Now = new(2027, 3, 3, 12, 0, 0, TimeSpan.Zero); // a Wednesday

    [Fact]
    public async Task A_journal_read_leaves_the_weeks_made_ahead_of_the_clock_untouched()
    {
        await using var db = await WeeksAheadAsync();
        await db.Store.AppendAsync(Append(Entry("begun", "k-1", receivedAt: Now), Row("begun", 1, Now)));
        // Someone holds a week made ahead: a read that visited it would wait.
        await using var hold = await TableLock.HoldAsync(db.Source, "callgrains_journal_w20270315", "ACCESS EXCLUSIVE");

        var reads = Task.WhenAll(db.Store.ReadSessionAsync("begun"), db.Store.ReadSessionAsync("not-yet-begun"));

        var read = await reads.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Single(read[0]);
        Assert.Empty(read[1]);
    }

    [Fact]
    public async Task A_change_feed_read_and_its_end_leave_the_weeks_made_ahead_of_the_clock_untouched()
    {
        await using var db = await WeeksAheadAsync();
        var start = await db.Store.LastSeqAsync();
        await db.Store.AppendAsync(Append(Entry("changed", "k-1", receivedAt: Now), Row("changed", 1, Now)));
        await using var hold = await TableLock.HoldAsync(db.Source, "callgrains_changes_w20270315", "ACCESS EXCLUSIVE");

        var read = db.Store.ReadAsync(new ChangeQuery(After: start)).WaitAsync(TimeSpan.FromSeconds(10));
        var end = db.Store.LastSeqAsync().WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal("changed", Assert.Single(await read).SessionId);
        Assert.Equal((await read)[0].Seq, await end);
    }

    [Fact]
    public async Task A_call_stamped_by_a_node_whose_clock_runs_hours_ahead_is_still_found()
    {
        await using var db = await WeeksAheadAsync();
        // Stamped by a clock 20 hours ahead, across the week's end into the next week's partition.
        var ahead = new DateTimeOffset(2027, 3, 8, 4, 0, 0, TimeSpan.Zero);
        await using var behind = new StoreDatabase(db.ConnectionString, NpgsqlDataSource.Create(db.ConnectionString), clock: new FixedClock(ahead.AddHours(-20)));
        await db.Store.AppendAsync(Append(Entry("ahead", "k-1", receivedAt: ahead), Row("ahead", 1, ahead)));

        Assert.Single(await behind.Store.ReadSessionAsync("ahead"));
    }

    /// <summary>A store whose clock stands at <see cref="Now"/>, with the four weeks after it made ahead, as the retention job does.</summary>
    private async Task<StoreDatabase> WeeksAheadAsync()
    {
        var db = await StoreDatabase.CreateAsync(server, clock: new FixedClock(Now));
        await new PostgresRetention(db.Source).PrepareAsync(Now, Now.AddDays(28));
        return db;
    }
}
