using System.Diagnostics.Metrics;
using System.Net;
using System.Text.Json;
using CallGrains.Tests.Shared;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace CallGrains.Api.Tests;

/// <summary>
/// Webhook delivery end to end: the service sends to a real receiver on loopback, which checks every signature with
/// an independent implementation. Each test filters its subscription by a userData prefix of its own, because the
/// fixture's feed is shared.
/// </summary>
public abstract class WebhookDeliveryContract(ApiFixture api) : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private WebhookReceiver _receiver = null!;

    public async Task InitializeAsync() => _receiver = await WebhookReceiver.StartAsync();

    public async Task DisposeAsync() => await _receiver.DisposeAsync();

    [Fact]
    public async Task Samples_pushed_shuffled_with_duplicates_arrive_signed_once_per_version_in_version_order_with_one_final_each()
    {
        var hook = _receiver.Add();
        var prefix = Prefix();
        var (_, secret) = await SubscribeAsync(hook, prefix);
        var calls = SampleCall.Names.Select(name => SampleCall.Load(name, userData: $"{prefix}{name}")).ToList();
        var pushes = calls.SelectMany((call, i) => call.Shuffled(seed: 7 + i)).ToArray();
        new Random(11).Shuffle(pushes);

        await api.PushAllAsync(pushes);

        var versions = new Dictionary<string, int>();
        foreach (var call in calls) versions[call.SessionId] = await VersionAsync(call);
        await hook.WaitUntilAsync(h => h.Delivered.Count >= versions.Values.Sum(), Patience, "every version");
        await Task.Delay(500);
        var delivered = hook.Delivered;
        Assert.Equal(versions.Values.Sum(), delivered.Count);
        Assert.All(delivered, r => r.Verify(secret));
        foreach (var call in calls)
        {
            var mine = delivered.Where(r => r.SessionId == call.SessionId).ToList();
            Assert.Equal(Enumerable.Range(1, versions[call.SessionId]), mine.Select(r => r.Version));
            var final = Assert.Single(mine, r => r.Type == "call.final");
            Assert.All(mine, r => Assert.Equal(r.Version >= final.Version, r.Change.GetProperty("call").GetProperty("final").GetBoolean()));
        }
        // The data is the change exactly as the change feed writes it.
        var first = delivered.Min(r => r.Change.GetProperty("seq").GetInt64());
        using var feed = JsonDocument.Parse(await api.Client.GetStringAsync($"/v1/changes?after={first - 1}&limit=500"));
        var fed = feed.RootElement.GetProperty("items").EnumerateArray().ToDictionary(c => c.GetProperty("seq").GetInt64(), c => c.GetRawText());
        Assert.All(delivered, r => Assert.Equal(fed[r.Change.GetProperty("seq").GetInt64()], r.Change.GetRawText()));
        Assert.All(delivered, r => Assert.Equal(r.Change.GetProperty("type").GetString(), r.Type));
        Assert.All(delivered, r => Assert.Equal($"chg_{r.Change.GetProperty("seq").GetInt64()}", r.Headers["webhook-id"].ToString()));
    }

    [Fact]
    public async Task A_receiver_that_fails_for_a_while_then_recovers_gets_every_change_in_order_and_the_deliveries_show_the_failures()
    {
        using var attempts = new MetricCollector<long>(api.Services.GetRequiredService<IMeterFactory>(), "CallGrains", "callgrains.webhook.deliveries");
        var hook = _receiver.Add();
        hook.StatusCode = 500;
        var prefix = Prefix();
        var (id, secret) = await SubscribeAsync(hook, prefix);
        var calls = new[] { SampleCall.Load("callback-connected", userData: prefix + "a"), SampleCall.Load("notification-collect", userData: prefix + "b") };

        foreach (var call in calls) await api.PushAllAsync(call);
        await hook.WaitUntilAsync(h => h.Received.Count >= 3, Patience, "three failed attempts");
        Assert.Equal("failing", (await GetAsync(id)).GetProperty("status").GetString());
        hook.StatusCode = 204;

        var total = 0;
        foreach (var call in calls) total += await VersionAsync(call);
        await hook.WaitUntilAsync(h => h.Delivered.Select(r => r.Change.GetProperty("seq").GetInt64()).Distinct().Count() >= total, Patience, "every change");
        foreach (var call in calls)
        {
            var versions = hook.Delivered.Where(r => r.SessionId == call.SessionId).Select(r => r.Version).ToList();
            Assert.Equal(versions.Order(), versions);
            Assert.Equal(Enumerable.Range(1, await VersionAsync(call)), versions.Distinct());
        }
        Assert.All(hook.Received, r => r.Verify(secret));

        var subscription = await WaitForAsync(id, s => s.GetProperty("status").GetString() == "active" && s.GetProperty("backlog").GetInt64() == 0);
        Assert.NotEqual(JsonValueKind.Null, subscription.GetProperty("lastDeliveryAt").ValueKind);
        using var deliveries = JsonDocument.Parse(await api.Client.GetStringAsync($"/v1/subscriptions/{id}/deliveries?limit=100"));
        var listed = deliveries.RootElement.GetProperty("items").EnumerateArray().ToList();
        Assert.Contains(listed, a => a.GetProperty("statusCode").GetInt32() == 500 && a.GetProperty("error").GetString()!.Contains("500"));
        Assert.Contains(listed, a => a.GetProperty("statusCode").GetInt32() == 204 && a.GetProperty("attempt").GetInt32() > 1);
        Assert.All(listed, a => Assert.True(a.GetProperty("durationMs").GetInt64() >= 0));
        var counted = attempts.GetMeasurementSnapshot();
        Assert.True(counted.Where(m => Equals(m.Tags["result"], "failed")).Sum(m => m.Value) >= 3);
        Assert.True(counted.Where(m => Equals(m.Tags["result"], "delivered")).Sum(m => m.Value) >= total);
    }

    [Fact]
    public async Task A_receiver_down_for_good_ends_disabled_and_is_no_longer_called()
    {
        var hook = _receiver.Add();
        hook.StatusCode = 503;
        var prefix = Prefix();
        var (id, _) = await SubscribeAsync(hook, prefix);

        await api.PushAllAsync(SampleCall.Load("verification-code", userData: prefix + "x"));

        var subscription = await WaitForAsync(id, s => s.GetProperty("status").GetString() == "disabled", WebhookTestSettings.DisableAfter + Patience);
        Assert.Contains("503", subscription.GetProperty("lastError").GetString());
        Assert.True(subscription.GetProperty("backlog").GetInt64() > 0);
        var attempts = hook.Received.Count;
        await Task.Delay(2000);
        Assert.Equal(attempts, hook.Received.Count);
    }

    [Fact]
    public async Task A_subscription_deleted_mid_backlog_sends_nothing_more()
    {
        var hook = _receiver.Add();
        // A slow receiver (8 sessions in flight, one second each) keeps most of the backlog waiting.
        hook.Delay = TimeSpan.FromSeconds(1);
        var prefix = Prefix();
        var (id, _) = await SubscribeAsync(hook, prefix);
        var calls = Enumerable.Range(0, 20).Select(i => SampleCall.Load("verification-code", userData: $"{prefix}{i}")).ToList();
        foreach (var call in calls) await api.PushAllAsync(call);

        await hook.WaitUntilAsync(h => h.Received.Count >= 5, Patience, "the first deliveries");
        using var deleted = await api.Client.DeleteAsync($"/v1/subscriptions/{id}");
        var deletedAt = DateTimeOffset.UtcNow;
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        await Task.Delay(2000);

        // Requests already on their way when the delete came may still land; nothing is started after it.
        Assert.DoesNotContain(hook.Received, r => r.At > deletedAt + TimeSpan.FromMilliseconds(300));
        var backlog = 0;
        foreach (var call in calls) backlog += await VersionAsync(call);
        Assert.True(hook.Received.Count < backlog, $"{hook.Received.Count} of {backlog} changes arrived");
        using var gone = await api.Client.GetAsync($"/v1/subscriptions/{id}");
        await ProblemResponse.AssertAsync(gone, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Replay_sends_the_changes_after_the_given_seq_again_and_a_rotated_secret_signs_alongside_the_old_one()
    {
        var hook = _receiver.Add();
        var prefix = Prefix();
        var (id, secret) = await SubscribeAsync(hook, prefix);
        var call = SampleCall.Load("verification-code", userData: prefix + "r");
        await api.PushAllAsync(call);
        var version = await VersionAsync(call);
        await hook.WaitUntilAsync(h => h.Delivered.Count >= version, Patience, "the first round");
        var firstSeq = hook.Delivered.Min(r => r.Change.GetProperty("seq").GetInt64());

        using var rotated = await api.Client.PostAsync($"/v1/subscriptions/{id}/rotate-secret", null);
        Assert.Equal(HttpStatusCode.OK, rotated.StatusCode);
        var newSecret = JsonDocument.Parse(await rotated.Content.ReadAsStringAsync()).RootElement.GetProperty("secret").GetString()!;
        using var replayed = await api.PostJsonAsync($"/v1/subscriptions/{id}/replay", $"{{\"after\":{firstSeq - 1}}}");
        Assert.Equal(HttpStatusCode.Accepted, replayed.StatusCode);

        await hook.WaitUntilAsync(h => h.Delivered.Count >= 2 * version, Patience, "the replay");
        var again = hook.Delivered.Skip(version).ToList();
        Assert.Equal(Enumerable.Range(1, version), again.Select(r => r.Version));
        Assert.All(again, r => r.Verify(newSecret));
        Assert.All(again, r => r.Verify(secret));
        Assert.All(again, r => Assert.Equal(2, r.Headers["webhook-signature"].ToString().Split(' ').Length));
    }

    private static string Prefix() => $"wh-{Guid.NewGuid():N}-";

    private async Task<(string Id, string Secret)> SubscribeAsync(Hook hook, string prefix)
    {
        using var response = await api.PostJsonAsync("/v1/subscriptions", JsonSerializer.Serialize(new { url = hook.Url, userDataPrefix = prefix }));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        using var created = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return (created.RootElement.GetProperty("id").GetString()!, created.RootElement.GetProperty("secret").GetString()!);
    }

    private async Task<int> VersionAsync(SampleCall call)
    {
        using var view = JsonDocument.Parse(await api.Client.GetStringAsync($"/v1/calls/{Uri.EscapeDataString(call.SessionId)}"));
        return view.RootElement.GetProperty("version").GetInt32();
    }

    private async Task<JsonElement> GetAsync(string id) =>
        JsonDocument.Parse(await api.Client.GetStringAsync($"/v1/subscriptions/{id}")).RootElement;

    private async Task<JsonElement> WaitForAsync(string id, Func<JsonElement, bool> condition, TimeSpan? timeout = null)
    {
        var deadline = DateTimeOffset.UtcNow + (timeout ?? Patience);
        while (true)
        {
            var subscription = await GetAsync(id);
            if (condition(subscription)) return subscription;
            if (DateTimeOffset.UtcNow > deadline) Assert.Fail($"Timed out; the subscription is {subscription.GetRawText()}");
            await Task.Delay(100);
        }
    }
}

[Collection(WebhookApiCollection.Name)]
public sealed class WebhookDeliveryTests(WebhookApiFixture api) : WebhookDeliveryContract(api);

[Collection(WebhookPostgresApiCollection.Name)]
public sealed class WebhookDeliveryTestsOnPostgres(WebhookPostgresApiFixture api) : WebhookDeliveryContract(api);
