using System.Diagnostics;
using System.Net;
using System.Text.Json;
using CallGrains.Tests.Shared;

namespace CallGrains.Api.Tests;

/// <summary>The service with a small item limit per call, so that a flood reaches it quickly.</summary>
public sealed class SmallSessionLimitApiFixture : ApiFixture
{
    public const int MaxItems = 12;

    public static readonly string[] Limit = [$"--CallGrains:Limits:MaxItemsPerSession={MaxItems}"];

    protected override IEnumerable<string> Settings => [.. base.Settings, .. Limit];
}

/// <summary>The same small item limit on PostgreSQL.</summary>
public sealed class SmallSessionLimitPostgresApiFixture : PostgresApiFixture
{
    protected override IEnumerable<string> Settings => [.. base.Settings, .. SmallSessionLimitApiFixture.Limit];
}

public sealed class SessionCapTests(SmallSessionLimitApiFixture api) : SessionCapContract(api), IClassFixture<SmallSessionLimitApiFixture>;

public sealed class SessionCapTestsOnPostgres(SmallSessionLimitPostgresApiFixture api)
    : SessionCapContract(api), IClassFixture<SmallSessionLimitPostgresApiFixture>;

public abstract class SessionCapContract(ApiFixture api)
{
    [Fact]
    public async Task A_flooded_call_acknowledges_every_push_keeps_them_all_but_folds_only_up_to_its_limit()
    {
        var call = SampleCall.Load("callback-connected");
        await api.PushAllAsync(call.Pushes);
        // New timestamps make new items: the way a sender grows a call without bound.
        var flood = Enumerable.Range(0, 40).Select(i =>
            $$$"""{"eventType":"alerting","statusInfo":{"sessionId":"{{{call.SessionId}}}","timestamp":"2019-01-24 04:{{{i / 60:D2}}}:{{{i % 60:D2}}}","called":"+86{{{i:D11}}}"}}""");

        await api.PushAllAsync(flood);

        var watch = Stopwatch.StartNew();
        using var view = JsonDocument.Parse(await api.Client.GetStringAsync(CallPath(call)));
        watch.Stop();
        Assert.True(view.RootElement.GetProperty("capped").GetBoolean());
        Assert.Equal(SmallSessionLimitApiFixture.MaxItems, view.RootElement.GetProperty("version").GetInt32());
        Assert.True(view.RootElement.GetProperty("final").GetBoolean());
        Assert.Equal("answered", view.RootElement.GetProperty("outcome").GetString());
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"the capped view took {watch.Elapsed}");
        using var events = JsonDocument.Parse(await api.Client.GetStringAsync(CallPath(call) + "/events"));
        Assert.Equal(8 + 40, events.RootElement.GetArrayLength());
    }

    [Fact]
    public async Task Items_past_the_limit_make_no_change_in_the_feed()
    {
        var call = SampleCall.Load("verification-code");
        await api.PushAllAsync(call.Pushes);
        var flood = Enumerable.Range(0, 20).Select(i =>
            $$$"""{"eventType":"alerting","statusInfo":{"sessionId":"{{{call.SessionId}}}","timestamp":"2019-01-24 05:00:{{{i:D2}}}","called":"+8613800000021","userData":"{{{call.UserData}}}"}}""");

        await api.PushAllAsync(flood);

        using var changes = JsonDocument.Parse(await api.Client.GetStringAsync($"/v1/changes?userData={Uri.EscapeDataString(call.UserData)}&limit=500"));
        var versions = changes.RootElement.GetProperty("items").EnumerateArray().Select(c => c.GetProperty("version").GetInt32()).ToList();
        Assert.Equal(Enumerable.Range(1, SmallSessionLimitApiFixture.MaxItems), versions);
    }

    private static string CallPath(SampleCall call) => $"/v1/calls/{Uri.EscapeDataString(call.SessionId)}";
}
