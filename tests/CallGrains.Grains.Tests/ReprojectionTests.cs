using CallGrains.Domain.Calls;
using CallGrains.Reprojection;
using CallGrains.Sessions;
using CallGrains.Storage;
using CallGrains.Tests.Shared;

namespace CallGrains.Grains.Tests;

/// <summary>
/// Re-derivation after an upgrade of the fold, through the call's grain, on the in-memory store: rows an older fold wrote
/// (<see cref="OldFold"/>) are compared with what the current fold makes of the journal and rewritten only when they differ.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ReprojectionTests(ClusterFixture fixture)
{
    private static DateTimeOffset At => new(DateTimeOffset.UtcNow.Ticks / TimeSpan.TicksPerSecond * TimeSpan.TicksPerSecond, TimeSpan.Zero);

    [Fact]
    public async Task A_row_an_older_fold_wrote_is_rewritten_as_a_new_version_with_what_the_current_fold_makes_of_the_journal()
    {
        var old = await OldFold.StoreAsync(fixture.Store, SampleCall.Load("callback-connected"), OldFold.MissedTheAnswer, At);
        var seqBefore = await fixture.Store.LastSeqAsync();

        Assert.Equal(ReprojectOutcome.Rewritten, await Grain(old).ReprojectAsync());

        var stored = await fixture.Store.ReadAsync(old.SessionId);
        Assert.NotNull(stored);
        Assert.Equal(old.StoredVersion + 1, stored.Version);
        Assert.Equal(CallFold.Version, stored.FoldVersion);
        Assert.Equal(old.CurrentJson(old.StoredVersion + 1), stored.ViewJson);
        var change = Assert.Single(await fixture.Store.ReadAsync(new ChangeQuery(After: seqBefore, Limit: 500)),
            c => c.SessionId == old.SessionId);
        Assert.Equal((old.StoredVersion + 1, stored.ViewJson), (change.Version, change.ViewJson));
        var view = await Grain(old).GetViewAsync();
        Assert.Equal((CallOutcome.Answered, old.StoredVersion + 1), (view!.Outcome, view.Version));
    }

    [Fact]
    public async Task A_row_whose_view_the_current_fold_renders_the_same_only_gets_its_fold_version_recorded()
    {
        var old = await OldFold.StoreAsync(fixture.Store, SampleCall.Load("verification-code"), view => view, At);
        var seqBefore = await fixture.Store.LastSeqAsync();

        Assert.Equal(ReprojectOutcome.Unchanged, await Grain(old).ReprojectAsync());

        var stored = await fixture.Store.ReadAsync(old.SessionId);
        Assert.Equal(new StoredView(old.SessionId, old.StoredVersion, CallFold.Version, true, old.StoredJson), stored);
        Assert.DoesNotContain(await fixture.Store.ReadAsync(new ChangeQuery(After: seqBefore, Limit: 500)),
            c => c.SessionId == old.SessionId);
        Assert.Equal(ReprojectOutcome.Current, await Grain(old).ReprojectAsync());
    }

    [Fact]
    public async Task A_grain_that_activates_after_an_upgrade_rewrites_its_stale_row_by_itself()
    {
        var old = await OldFold.StoreAsync(fixture.Store, SampleCall.Load("notification-collect"), OldFold.MissedTheAnswer, At);

        var view = await Grain(old).GetViewAsync();

        Assert.Equal(old.StoredVersion + 1, view!.Version);
        var stored = await fixture.Store.ReadAsync(old.SessionId);
        Assert.Equal((old.StoredVersion + 1, CallFold.Version, old.CurrentJson(old.StoredVersion + 1)), (stored!.Version, stored.FoldVersion, stored.ViewJson));
    }

    [Fact]
    public async Task Identity_is_read_from_the_stored_bodies_so_an_item_the_old_fold_stored_twice_is_folded_once_and_a_resent_one_is_a_duplicate()
    {
        var call = SampleCall.Load("callback-connected");
        var old = await OldFold.StoreAsync(fixture.Store, call, OldFold.MissedTheAnswer, At, storedTwice: 2);

        Assert.Equal(ReprojectOutcome.Rewritten, await Grain(old).ReprojectAsync());
        // The old fold counted the twice-stored item twice: the version never goes back, the view is the one of its items.
        Assert.Equal(old.CurrentJson(old.StoredVersion + 1), (await fixture.Store.ReadAsync(old.SessionId))!.ViewJson);

        // Stored under "v0|..." keys, which this build never computes: only identity read from the body finds these.
        var results = await Task.WhenAll(call.Pushes.Select(push => fixture.PushAsync(push)));
        Assert.All(results.SelectMany(r => r), r => Assert.True(r.Duplicate));
        Assert.Equal(old.StoredVersion + 1, (await Grain(old).GetViewAsync())!.Version);
        // The journal keeps what was written, keys included: both rows of the item, nothing added.
        var journal = await fixture.Store.ReadSessionAsync(old.SessionId);
        Assert.Equal(old.Items.Count, journal.Count);
        Assert.All(journal, e => Assert.StartsWith("v0|", e.ItemKey, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_push_after_the_rewrite_continues_from_the_rewritten_version_also_in_a_new_activation()
    {
        var call = SampleCall.Load("callback-connected");
        var old = await OldFold.StoreAsync(fixture.Store, call, OldFold.MissedTheAnswer, At, pushes: call.Pushes.Count - 1);
        Assert.Equal(ReprojectOutcome.Rewritten, await Grain(old).ReprojectAsync());
        await fixture.Cluster.DeactivateAsync(Grain(old));

        var result = Assert.Single(await fixture.PushAsync(call.Pushes[^1]));

        Assert.Equal((false, old.StoredVersion + 2), (result.Duplicate, result.Version));
        var stored = await fixture.Store.ReadAsync(old.SessionId);
        Assert.Equal((old.StoredVersion + 2, CallFold.Version), (stored!.Version, stored.FoldVersion));
    }

    [Fact]
    public async Task Reprojecting_again_from_a_new_activation_finds_every_view_byte_identical_and_writes_nothing()
    {
        var calls = await Task.WhenAll(SampleCall.Names.Select(name =>
            OldFold.StoreAsync(fixture.Store, SampleCall.Load(name), OldFold.MissedTheAnswer, At, storedTwice: 1)));
        foreach (var old in calls) Assert.Equal(ReprojectOutcome.Rewritten, await Grain(old).ReprojectAsync());
        var first = await Task.WhenAll(calls.Select(old => fixture.Store.ReadAsync(old.SessionId)));

        foreach (var old in calls)
        {
            await fixture.Cluster.DeactivateAsync(Grain(old));
            // As an older fold would have left it again: the same bytes, marked unknown.
            await MarkUnknownAsync(old, first.Single(r => r!.SessionId == old.SessionId)!);
        }
        var seqBefore = await fixture.Store.LastSeqAsync();
        foreach (var old in calls) Assert.Equal(ReprojectOutcome.Unchanged, await Grain(old).ReprojectAsync());

        Assert.Equal(first, await Task.WhenAll(calls.Select(old => fixture.Store.ReadAsync(old.SessionId))));
        Assert.Equal(seqBefore, await fixture.Store.LastSeqAsync());
    }

    [Fact]
    public async Task The_walk_asks_every_stale_call_in_pages_and_leaves_none_behind()
    {
        var calls = await Task.WhenAll(Enumerable.Range(0, 7).Select(i =>
            OldFold.StoreAsync(fixture.Store, SampleCall.Load(SampleCall.Names[i % 3]), OldFold.MissedTheAnswer, At)));
        var walk = new ReprojectionWalk(fixture.Store, fixture.Client);

        var done = ReprojectionTally.Empty;
        while (!done.Complete) done = done.Add(await walk.NextPageAsync(done.Last, pageSize: 3, parallelism: 2));

        Assert.True(done.Asked >= calls.Length);
        Assert.Equal(0, done.Failed);
        Assert.Equal(0, await fixture.Store.CountStaleAsync());
        foreach (var old in calls)
            Assert.Equal(old.CurrentJson(old.StoredVersion + 1), (await fixture.Store.ReadAsync(old.SessionId))!.ViewJson);
    }

    /// <summary>Rewrites the row with its own bytes and fold version 0, as the in-memory store lets a test.</summary>
    private async Task MarkUnknownAsync(OldCall old, StoredView row)
    {
        var held = (await fixture.Store.ListAsync(new CallQuery(UserData: old.CurrentView.UserData))).Items.Single(r => r.SessionId == old.SessionId);
        Assert.True(await fixture.Store.RewriteAsync(held with { FoldVersion = 0 }, row.Version, "call.updated"));
    }

    private ICallSessionGrain Grain(OldCall old) => fixture.Client.GetCallSession(old.SessionId);
}
