using CallGrains.Domain.Calls;
using System.Collections.Immutable;
using CallGrains.Requests;
using CallGrains.Storage;
using CallGrains.Tests.Shared;

namespace CallGrains.Grains.Tests;

[Collection(ClusterCollection.Name)]
public sealed class BusinessRequestGrainTests(ClusterFixture fixture)
{
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task A_request_registered_before_its_calls_lists_them_as_they_arrive()
    {
        var call = SampleCall.Load("callback-connected");
        var request = fixture.Client.GetBusinessRequest(call.UserData);

        Assert.True(await request.RegisterAsync(Registration("order-1")));
        foreach (var push in call.Pushes) await fixture.PushAsync(push);

        var snapshot = await request.GetAsync();
        Assert.NotNull(snapshot);
        Assert.Equal("order-1", snapshot.Registration!.BusinessId);
        var summary = Assert.Single(snapshot.Calls);
        Assert.Equal(call.SessionId, summary.SessionId);
        Assert.Equal(CallStatus.Ended, summary.Status);
        Assert.Equal(CallOutcome.Answered, summary.Outcome);
        Assert.True(summary.Final);
    }

    [Fact]
    public async Task A_request_registered_after_its_calls_still_finds_them()
    {
        var first = SampleCall.Load("verification-code");
        var second = SampleCall.Load("verification-code", userData: first.UserData);
        foreach (var push in first.Pushes) await fixture.PushAsync(push);
        foreach (var push in second.Pushes.Take(2)) await fixture.PushAsync(push);
        var request = fixture.Client.GetBusinessRequest(first.UserData);

        Assert.True(await request.RegisterAsync(Registration("signup-7731")));

        var snapshot = await request.GetAsync();
        Assert.NotNull(snapshot);
        Assert.Equal(2, snapshot.Calls.Length);
        Assert.Contains(snapshot.Calls, c => c.SessionId == second.SessionId && c.Status == CallStatus.Ringing && c.Outcome is null);
    }

    [Fact]
    public async Task A_hot_userData_keeps_only_its_most_recent_calls_and_says_the_list_is_truncated()
    {
        var userData = $"hot-order-{Guid.NewGuid():N}";
        var calls = Enumerable.Range(0, ClusterFixture.MaxCallsPerUserData + 3)
            .Select(_ => SampleCall.Load("verification-code", userData: userData)).ToList();
        for (var i = 0; i < calls.Count; i++)
            foreach (var push in calls[i].Pushes) await fixture.PushAsync(push, Now.AddMinutes(i));
        var request = fixture.Client.GetBusinessRequest(userData);
        var newest = calls.TakeLast(ClusterFixture.MaxCallsPerUserData).Select(c => c.SessionId).Order(StringComparer.Ordinal);

        var live = await request.GetAsync();
        await fixture.Cluster.DeactivateAsync(request);
        var reactivated = await request.GetAsync();

        foreach (var snapshot in new[] { live, reactivated })
        {
            Assert.NotNull(snapshot);
            Assert.True(snapshot.CallsTruncated);
            Assert.Equal(newest, snapshot.Calls.Select(c => c.SessionId).Order(StringComparer.Ordinal));
        }
    }

    [Fact]
    public async Task A_request_at_the_cap_is_not_truncated()
    {
        var userData = $"busy-order-{Guid.NewGuid():N}";
        foreach (var call in Enumerable.Range(0, ClusterFixture.MaxCallsPerUserData).Select(_ => SampleCall.Load("verification-code", userData: userData)))
            foreach (var push in call.Pushes) await fixture.PushAsync(push);
        var request = fixture.Client.GetBusinessRequest(userData);
        await fixture.Cluster.DeactivateAsync(request);

        var snapshot = await request.GetAsync();

        Assert.NotNull(snapshot);
        Assert.False(snapshot.CallsTruncated);
        Assert.Equal(ClusterFixture.MaxCallsPerUserData, snapshot.Calls.Length);
    }

    [Fact]
    public async Task A_reactivated_request_rebuilds_its_calls_from_the_projection_and_keeps_its_registration()
    {
        var call = SampleCall.Load("notification-collect");
        var request = fixture.Client.GetBusinessRequest(call.UserData);
        await request.RegisterAsync(Registration("parcel-9"));
        foreach (var push in call.Pushes) await fixture.PushAsync(push);

        await fixture.Cluster.DeactivateAsync(request);
        var snapshot = await request.GetAsync();

        Assert.NotNull(snapshot);
        Assert.Equal("parcel-9", snapshot.Registration!.BusinessId);
        Assert.Equal(call.SessionId, Assert.Single(snapshot.Calls).SessionId);
    }

    [Fact]
    public async Task Registering_again_updates_and_keeps_the_first_registration_time()
    {
        var request = fixture.Client.GetBusinessRequest($"order-{Guid.NewGuid():N}");
        await request.RegisterAsync(Registration("order-2"));

        var created = await request.RegisterAsync(Registration("order-2b") with { UpdatedAt = Now.AddMinutes(5), RegisteredAt = Now.AddMinutes(5) });

        Assert.False(created);
        var registration = await request.GetRegistrationAsync();
        Assert.Equal("order-2b", registration!.BusinessId);
        Assert.Equal(Now, registration.RegisteredAt);
        Assert.Contains(await fixture.Store.ListByBusinessIdAsync("order-2b"), r => r.RegisteredAt == Now);
    }

    [Fact]
    public async Task A_request_neither_registered_nor_seen_does_not_exist()
    {
        Assert.Null(await fixture.Client.GetBusinessRequest($"unknown-{Guid.NewGuid():N}").GetAsync());
    }

    [Fact]
    public async Task A_registration_whose_write_failed_is_not_what_the_request_answers_with()
    {
        var request = fixture.Client.GetBusinessRequest($"failed-write-{Guid.NewGuid():N}");
        await request.RegisterAsync(Registration("order-kept"));

        fixture.RequestStorage.GoDown();
        try
        {
            await Assert.ThrowsAsync<StoreUnavailableException>(() => request.RegisterAsync(Registration("order-lost")));
        }
        finally
        {
            fixture.RequestStorage.ComeBack();
        }

        Assert.Equal("order-kept", (await request.GetRegistrationAsync())!.BusinessId);
    }

    private static RequestRegistration Registration(string businessId) =>
        new("taxi-order", businessId, ImmutableSortedDictionary<string, string>.Empty.Add("driver", "d-9"), Now, Now);
}
