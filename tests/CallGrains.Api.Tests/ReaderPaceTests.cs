using System.Net;
using System.Text.Json;
using CallGrains.Priority;
using CallGrains.Tests.Shared;

namespace CallGrains.Api.Tests;

/// <summary>
/// Readers step back for ingest while the host is short of CPU: here always (a threshold of 0), so that what they
/// still promise can be checked: every change, in order, only slower.
/// </summary>
[Collection(SteppingBackApiCollection.Name)]
public sealed class ReaderPaceTests(SteppingBackApiFixture api) : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private WebhookReceiver _receiver = null!;

    public async Task InitializeAsync() => _receiver = await WebhookReceiver.StartAsync();

    public async Task DisposeAsync() => await _receiver.DisposeAsync();

    [Fact]
    public async Task While_the_host_is_short_of_CPU_a_subscription_keeps_only_a_few_sends_in_flight_and_still_delivers_every_version_in_order()
    {
        var hook = _receiver.Add();
        hook.Delay = TimeSpan.FromMilliseconds(20);
        var prefix = $"pace-{Guid.NewGuid():N}-";
        using (var created = await api.PostJsonAsync("/v1/subscriptions", JsonSerializer.Serialize(new { url = hook.Url, userDataPrefix = prefix })))
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var calls = Enumerable.Range(0, 12).Select(i => SampleCall.Load(SampleCall.Names[i % SampleCall.Names.Count], userData: $"{prefix}{i}")).ToList();

        await api.PushAllAsync([.. calls.SelectMany(call => call.Shuffled(seed: 3))]);

        var versions = new Dictionary<string, int>();
        foreach (var call in calls) versions[call.SessionId] = await VersionAsync(call.SessionId);
        await hook.WaitUntilAsync(h => h.Delivered.Count >= versions.Values.Sum(), Patience, "every version");
        Assert.InRange(hook.MostAtOnce, 1, ReaderPace.ShortSends);
        foreach (var call in calls)
            Assert.Equal(Enumerable.Range(1, versions[call.SessionId]), hook.Delivered.Where(r => r.SessionId == call.SessionId).Select(r => r.Version));
    }

    [Fact]
    public async Task While_the_host_is_short_of_CPU_a_live_stream_still_sends_every_change_once_in_order()
    {
        var call = SampleCall.Load("callback-connected", userData: $"pace-{Guid.NewGuid():N}");
        await using var stream = await ChangeStream.OpenAsync(api.Client, $"/v1/changes/stream?userData={Uri.EscapeDataString(call.UserData)}");

        await api.PushAllAsync(call);

        var version = await VersionAsync(call.SessionId);
        var changes = await stream.ReadAsync(version);
        Assert.Equal(Enumerable.Range(1, version), changes.Select(c => c.Version));
    }

    private async Task<int> VersionAsync(string sessionId)
    {
        using var view = JsonDocument.Parse(await api.Client.GetStringAsync($"/v1/calls/{Uri.EscapeDataString(sessionId)}"));
        return view.RootElement.GetProperty("version").GetInt32();
    }
}

/// <summary>The embedded service whose readers always step back, as on a host that is always short of CPU.</summary>
public sealed class SteppingBackApiFixture : ApiFixture
{
    protected override IEnumerable<string> Settings => [.. base.Settings, .. WebhookTestSettings.All, "--CallGrains:Readers:StepBackAboveCpuBusy=0"];
}

[CollectionDefinition(Name)]
public sealed class SteppingBackApiCollection : ICollectionFixture<SteppingBackApiFixture>
{
    public const string Name = "api-readers-stepping-back";
}
