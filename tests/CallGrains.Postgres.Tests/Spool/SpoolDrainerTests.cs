using CallGrains.Domain.Pushes;
using CallGrains.Postgres.Spool;
using CallGrains.Sessions;
using CallGrains.Tests.Shared;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace CallGrains.Postgres.Tests.Spool;

/// <summary>The drainer against a real server: what the spool holds ends up journaled as pending, also after an outage.</summary>
[Collection(PostgresCollection.Name)]
public sealed class SpoolDrainerTests(PostgresServer server) : IDisposable
{
    private static readonly DateTimeOffset At = new(2026, 11, 29, 10, 0, 0, TimeSpan.Zero);

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "callgrains-spool-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory)) Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task A_drained_batch_is_journaled_as_pending_in_arrival_order_and_leaves_the_spool_empty()
    {
        await using var db = await StoreDatabase.CreateAsync(server);
        await using var spool = PushSpool.Open(new SpoolOptions { Directory = _directory });
        for (var i = 0; i < 5; i++) await spool.AppendAsync([Status("s-1", i), Status("s-2", i)]);

        var drained = await Drainer(spool, db).DrainBatchAsync();

        Assert.Equal(5, drained);
        Assert.False(spool.IsSpooling);
        var entries = await db.Store.ReadSessionAsync("s-1");
        Assert.Equal(5, entries.Count);
        Assert.All(entries, entry => Assert.False(entry.Projected));
        Assert.Equal(Enumerable.Range(0, 5).Select(i => At.AddSeconds(i)), entries.Select(e => e.Item.ReceivedAt));
    }

    [Fact]
    public async Task Pushes_spooled_while_the_server_is_stopped_are_drained_once_it_is_started_again()
    {
        await using var db = await StoreDatabase.CreateAsync(server);
        await using var spool = PushSpool.Open(new SpoolOptions { Directory = _directory });
        using var drainer = Drainer(spool, db);
        await drainer.StartAsync(CancellationToken.None);

        await server.StopAsync();
        try
        {
            for (var i = 0; i < 3; i++) await spool.AppendAsync([Status("s-down", i)]);
            // The drainer tries and fails meanwhile; what it read stays in the spool.
            await Task.Delay(SpoolDrainer.FirstRetry * 3);
            Assert.Equal(3, spool.Depth.Pushes);
        }
        finally
        {
            await server.StartAsync();
        }
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (spool.IsSpooling && DateTime.UtcNow < deadline) await Task.Delay(100);
        await drainer.StopAsync(CancellationToken.None);

        Assert.False(spool.IsSpooling, "the spool should have drained once the server was back");
        Assert.Equal(3, (await db.Store.ReadSessionAsync("s-down")).Count);
    }

    [Fact]
    public async Task A_batch_journaled_twice_after_a_crash_before_its_checkpoint_is_kept_once()
    {
        await using var db = await StoreDatabase.CreateAsync(server);
        await using (var spool = PushSpool.Open(new SpoolOptions { Directory = _directory }))
        {
            for (var i = 0; i < 4; i++) await spool.AppendAsync([Status("s-again", i)]);
            // Journaled, then the node died before MarkDrained.
            await db.Store.AppendPendingAsync([.. spool.Read(SpoolDrainer.BatchPushes).Pushes.SelectMany(p => p)]);
        }

        await using var reopened = PushSpool.Open(new SpoolOptions { Directory = _directory });
        Assert.Equal(4, reopened.Depth.Pushes);
        await Drainer(reopened, db).DrainBatchAsync();

        Assert.False(reopened.IsSpooling);
        Assert.Equal(4, (await db.Store.ReadSessionAsync("s-again")).Count);
    }

    /// <summary>Nudges go nowhere here (no cluster): one attempt each, then left to a sweep that does not run.</summary>
    private static SpoolDrainer Drainer(PushSpool spool, StoreDatabase db) =>
        new(spool, db.Store, new CatchUpNudges(null!, db.Store, Options.Create(new CatchUpOptions { MaxAttempts = 1 }), NullLogger<CatchUpNudges>.Instance),
            NullLogger<SpoolDrainer>.Instance);

    private static PushItem Status(string sessionId, int n) => PushEnvelope.Parse(System.Text.Encoding.UTF8.GetBytes(
        $$$"""{"eventType":"callout","statusInfo":{"sessionId":"{{{sessionId}}}","timestamp":"2026-11-29 10:00:{{{n:00}}}","caller":"+8600","called":"+86{{{n}}}"}}"""),
        At.AddSeconds(n)).Items![0];
}
