using System.Collections.Concurrent;
using System.Globalization;
using CallGrains.Domain.Changes;
using CallGrains.Domain.Pushes;
using CallGrains.Postgres.Storage;
using CallGrains.Sessions;
using CallGrains.Storage;
using CallGrains.Tests.Shared;
using Npgsql;

namespace CallGrains.Postgres.Tests.Orleans;

/// <summary>
/// The change feed's guarantee under the race it exists for: two silos commit group-commit batches concurrently
/// (a batch that took its seqs earlier may commit later), while a reader pages by seq as fast as it can. Following
/// <c>after</c> must never skip a change and never repeat one.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class ChangeFeedRaceTests(PostgresClusterFixture fixture) : IClassFixture<PostgresClusterFixture>
{
    private static readonly DateTimeOffset _t0 = new(2026, 3, 1, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task A_reader_following_next_sees_every_change_exactly_once_while_two_silos_commit_concurrently()
    {
        const int calls = 240;
        await using var source = NpgsqlDataSource.Create(fixture.ConnectionString);
        var feed = new PostgresStore(source);
        var start = await feed.LastSeqAsync();
        var acknowledged = new ConcurrentBag<(string SessionId, int Version)>();
        var prefix = $"race-{Guid.NewGuid():N}-";

        using var writersDone = new CancellationTokenSource();
        var reader = Task.Run(() => FollowAsync(feed, start, writersDone.Token));
        await Parallel.ForEachAsync(Enumerable.Range(0, calls), new ParallelOptions { MaxDegreeOfParallelism = 48 }, async (i, _) =>
        {
            var sessionId = prefix + i.ToString("D3", CultureInfo.InvariantCulture);
            var grain = fixture.Client.GetCallSession(sessionId);
            foreach (var item in Items(sessionId, withCdr: i % 2 == 0))
            {
                var result = await grain.RecordAsync(item);
                if (!result.Duplicate) acknowledged.Add((sessionId, result.Version));
            }
        });
        await writersDone.CancelAsync();
        var seen = await reader;

        // Never twice, and in seq order.
        Assert.Equal(seen.Select(c => c.Seq).Order(), seen.Select(c => c.Seq));
        Assert.Equal(seen.Count, seen.Select(c => c.Seq).Distinct().Count());
        // Never skipped: everything acknowledged was seen, and everything in the table too.
        var ours = seen.Where(c => c.SessionId.StartsWith(prefix, StringComparison.Ordinal)).ToList();
        Assert.Equal(acknowledged.Order(), ours.Select(c => (c.SessionId, c.Version)).Order());
        var all = await feed.ReadAsync(new ChangeQuery(After: start, Limit: ChangeQuery.MaxLimit * 10));
        Assert.Equal(all.Select(c => c.Seq), seen.Select(c => c.Seq));
        // A session's changes come in version order, and the CDR's is the one final change.
        foreach (var session in ours.GroupBy(c => c.SessionId))
        {
            Assert.Equal(Enumerable.Range(1, session.Count()), session.Select(c => c.Version));
            Assert.Equal("02468".Contains(session.Key[^1]) ? 1 : 0, session.Count(c => c.Type == ChangeTypes.Final));
        }
    }

    /// <summary>Pages with a small limit and no pause, so that it reads while batches are still committing.</summary>
    private static async Task<List<CallChange>> FollowAsync(IChangeFeed feed, long after, CancellationToken writersDone)
    {
        var seen = new List<CallChange>();
        var quietAfterWriters = 0;
        while (quietAfterWriters < 3)
        {
            var page = await feed.ReadAsync(new ChangeQuery(After: after, Limit: 7));
            seen.AddRange(page);
            if (page.Count > 0) after = page[^1].Seq;
            else if (writersDone.IsCancellationRequested) quietAfterWriters++;
            else await Task.Yield();
        }
        return seen;
    }

    private static IEnumerable<PushItem> Items(string sessionId, bool withCdr)
    {
        string[] types = ["callout", "alerting", "answer", "disconnect"];
        for (var i = 0; i < types.Length; i++)
        {
            var time = _t0.AddSeconds(i).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
            var body = $$$"""{"eventType":"{{{types[i]}}}","statusInfo":{"sessionId":"{{{sessionId}}}","timestamp":"{{{time}}}","called":"+8613800000021","userData":"race"}}""";
            yield return new PushItem(sessionId, types[i], body, _t0.AddSeconds(i));
        }
        if (withCdr)
        {
            var cdr = $$"""{"sessionId":"{{sessionId}}","calleeNum":"+8613800000021","callOutStartTime":"2026-03-01 08:00:00","callOutAnswerTime":"2026-03-01 08:00:02","callEndTime":"2026-03-01 08:00:30","serviceType":"001","userData":"race"}""";
            yield return new PushItem(sessionId, PushItem.FeeEventType, cdr, _t0.AddSeconds(10));
        }
    }
}
