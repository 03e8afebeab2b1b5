using System.Text.Json;
using CallGrains.Domain.Calls;
using CallGrains.Sessions;
using CallGrains.Storage;
using CallGrains.Tests.Shared;

namespace CallGrains.Grains.Tests;

[Collection(ClusterCollection.Name)]
public sealed class CallSessionGrainTests(ClusterFixture fixture)
{
    [Theory]
    [MemberData(nameof(Samples))]
    public async Task A_sample_pushed_in_order_ends_answered_and_final(string name)
    {
        var call = SampleCall.Load(name);

        foreach (var push in call.Pushes) await fixture.PushAsync(push);

        var view = await ViewAsync(call.SessionId);
        Assert.Equal(CallStatus.Ended, view.Status);
        Assert.True(view.Final);
        Assert.Equal(CallOutcome.Answered, view.Outcome);
        Assert.Equal(call.UserData, view.UserData);
        Assert.Equal(call.Pushes.Count, view.Version);
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public async Task Any_arrival_order_with_duplicates_gives_the_same_view_through_the_grain(string name)
    {
        var inOrder = SampleCall.Load(name);
        foreach (var push in inOrder.Pushes) await fixture.PushAsync(push);
        var expected = Comparable(await ViewAsync(inOrder.SessionId));

        for (var seed = 1; seed <= 12; seed++)
        {
            var shuffled = SampleCall.Load(name, userData: inOrder.UserData);
            foreach (var push in shuffled.Shuffled(seed)) await fixture.PushAsync(push);
            var actual = Comparable(await ViewAsync(shuffled.SessionId)).Replace(shuffled.SessionId, inOrder.SessionId, StringComparison.Ordinal);
            Assert.True(expected == actual, $"seed {seed}: {actual}\nexpected {expected}");
        }
    }

    [Fact]
    public async Task A_session_reference_from_the_kept_types_is_the_one_orleans_makes_and_reaches_the_same_grain()
    {
        var call = SampleCall.Load("callback-connected");
        await fixture.PushAsync(call.Pushes[0]);

        // The first reference keeps the types; every later one is made from them.
        fixture.Client.GetCallSession("warm-up");
        var kept = fixture.Client.GetCallSession(call.SessionId);
        var orleans = fixture.Client.GetGrain<ICallSessionGrain>(CallSessionKey.For(call.SessionId));

        Assert.Equal(orleans.GetGrainId(), kept.GetGrainId());
        Assert.Equal(((GrainReference)orleans).InterfaceType, ((GrainReference)kept).InterfaceType);
        Assert.Equal(1, (await kept.GetViewAsync())!.Version);
    }

    [Fact]
    public async Task A_duplicate_push_is_recognised_and_writes_nothing()
    {
        var call = SampleCall.Load("callback-connected");
        await fixture.PushAsync(call.Pushes[0]);
        var before = await fixture.Store.ReadSessionAsync(call.SessionId);

        var again = await fixture.PushAsync(call.Pushes[0]);

        Assert.True(again.Single().Duplicate);
        Assert.Equal(1, again.Single().Version);
        Assert.Equal(before.Count, (await fixture.Store.ReadSessionAsync(call.SessionId)).Count);
    }

    [Fact]
    public async Task A_callbacks_B_leg_events_are_not_mistaken_for_duplicates_of_A()
    {
        var call = SampleCall.Load("callback-connected");

        var results = new List<RecordResult>();
        foreach (var push in call.Pushes.Take(6)) results.AddRange(await fixture.PushAsync(push));

        Assert.All(results, r => Assert.False(r.Duplicate));
        var view = await ViewAsync(call.SessionId);
        Assert.Equal(2, view.Legs.Count);
        Assert.NotNull(view.Legs[1].AnsweredAt);
    }

    [Fact]
    public async Task Deactivation_and_reactivation_rebuild_the_same_view_from_the_journal()
    {
        var call = SampleCall.Load("callback-connected");
        foreach (var push in call.Shuffled(seed: 7)) await fixture.PushAsync(push);
        var grain = fixture.Client.GetCallSession(call.SessionId);
        var before = await ViewJsonAsync(call.SessionId);

        await fixture.Cluster.DeactivateAsync(grain);
        var after = await ViewJsonAsync(call.SessionId);

        Assert.Equal(before, after);
    }

    [Fact]
    public async Task A_session_without_pushes_has_no_view()
    {
        Assert.Null(await fixture.Client.GetCallSession($"never-{Guid.NewGuid():N}").GetViewAsync());
    }

    [Fact]
    public async Task A_store_outage_fails_the_push_and_leaves_nothing_half_written()
    {
        var call = SampleCall.Load("verification-code");
        await fixture.PushAsync(call.Pushes[0]);

        fixture.Journal.GoDown();
        try
        {
            await Assert.ThrowsAsync<StoreUnavailableException>(() => fixture.PushAsync(call.Pushes[1]));
        }
        finally
        {
            fixture.Journal.ComeBack();
        }
        var unchanged = await ViewAsync(call.SessionId);
        var retried = await fixture.PushAsync(call.Pushes[1]);

        Assert.Equal(1, unchanged.Version);
        Assert.False(retried.Single().Duplicate);
        Assert.Equal(2, (await ViewAsync(call.SessionId)).Version);
        Assert.Equal(2, (await fixture.Store.ReadSessionAsync(call.SessionId)).Count);
    }

    [Fact]
    public async Task The_projection_row_follows_the_view()
    {
        var call = SampleCall.Load("notification-collect");
        foreach (var push in call.Pushes) await fixture.PushAsync(push);

        var page = await fixture.Store.ListAsync(new CallQuery(UserData: call.UserData));

        var row = Assert.Single(page.Items);
        Assert.Equal(CallStatus.Ended, row.Status);
        Assert.Equal(CallOutcome.Answered, row.Outcome);
        Assert.True(row.Final);
        Assert.Equal(await ViewJsonAsync(call.SessionId), row.ViewJson.ToString());
    }

    public static TheoryData<string> Samples() => [.. SampleCall.Names];

    private async Task<CallView> ViewAsync(string sessionId)
    {
        var view = await fixture.Client.GetCallSession(sessionId).GetViewAsync();
        Assert.NotNull(view);
        return view;
    }

    /// <summary>The typed view the grain returns, written as the contract writes it.</summary>
    private async Task<string> ViewJsonAsync(string sessionId) => JsonSerializer.Serialize(await ViewAsync(sessionId), CallJson.Options);

    /// <summary>The view as JSON without updatedAt, which is the only field allowed to depend on arrival.</summary>
    private static string Comparable(CallView view) =>
        JsonSerializer.Serialize(view with { UpdatedAt = null }, CallJson.Options);
}
