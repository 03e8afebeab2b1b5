using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using CallGrains.Tests.Shared;

namespace CallGrains.Api.Tests;

/// <summary>
/// Two tenants (taxi and courier, each owning a userData prefix), a key for each, a read-only taxi key given by its
/// hash, and the all-tenants key of <see cref="ApiFixture"/>: every business endpoint shows a tenant only its own
/// calls, requests, changes and subscriptions, answers another tenant's as if they did not exist, and refuses
/// what a key's scopes do not allow.
/// </summary>
public abstract class TenantIsolationContract(ApiFixture api)
{
    public const string TaxiKey = "taxi-key-0123456789";
    public const string CourierKey = "courier-key-0123456789";
    public const string TaxiReaderKey = "taxi-reader-0123456789";

    public static IEnumerable<string> TenantSettings =>
    [
        "--CallGrains:Tenants:taxi:UserDataPrefixes:0=taxi-",
        $"--CallGrains:Tenants:taxi:Keys:0:Key={TaxiKey}",
        $"--CallGrains:Tenants:taxi:Keys:1:KeyHash={Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(TaxiReaderKey)))}",
        "--CallGrains:Tenants:taxi:Keys:1:Scopes:0=calls:read",
        "--CallGrains:Tenants:taxi:Keys:1:Scopes:1=requests:read",
        "--CallGrains:Tenants:courier:UserDataPrefixes:0=courier-",
        "--CallGrains:Tenants:courier:UserDataPrefixes:1=parcel-",
        $"--CallGrains:Tenants:courier:Keys:0:Key={CourierKey}",
    ];

    private const string PublicUrl = "https://203.0.113.10/hooks/calls";

    [Fact]
    public async Task A_tenant_lists_and_reads_only_its_own_calls_and_another_tenants_call_is_not_found()
    {
        var (taxi, courier) = await PushBothAsync();
        using var taxiClient = ClientWith(TaxiKey);

        var listed = await SessionIdsAsync(taxiClient, "/v1/calls?limit=500");
        using var own = await taxiClient.GetAsync(CallPath(taxi.SessionId));
        using var ownEvents = await taxiClient.GetAsync(CallPath(taxi.SessionId) + "/events");
        using var other = await taxiClient.GetAsync(CallPath(courier.SessionId));
        using var otherEvents = await taxiClient.GetAsync(CallPath(courier.SessionId) + "/events");
        using var otherByUserData = await taxiClient.GetAsync($"/v1/calls?userData={Uri.EscapeDataString(courier.UserData)}");

        Assert.Contains(taxi.SessionId, listed);
        Assert.DoesNotContain(courier.SessionId, listed);
        Assert.Equal(HttpStatusCode.OK, own.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ownEvents.StatusCode);
        await ProblemResponse.AssertAsync(other, HttpStatusCode.NotFound);
        await ProblemResponse.AssertAsync(otherEvents, HttpStatusCode.NotFound);
        Assert.Empty(JsonDocument.Parse(await otherByUserData.Content.ReadAsStringAsync()).RootElement.GetProperty("items").EnumerateArray());
    }

    [Fact]
    public async Task The_all_tenants_key_sees_every_tenants_calls()
    {
        var (taxi, courier) = await PushBothAsync();

        var listed = await SessionIdsAsync(api.Client, "/v1/calls?limit=500");
        using var courierCall = await api.Client.GetAsync(CallPath(courier.SessionId));

        Assert.Contains(taxi.SessionId, listed);
        Assert.Contains(courier.SessionId, listed);
        Assert.Equal(HttpStatusCode.OK, courierCall.StatusCode);
    }

    [Fact]
    public async Task A_tenant_registers_and_reads_only_requests_under_its_prefixes()
    {
        var suffix = Guid.NewGuid().ToString("N");
        var businessId = $"order-{suffix}";
        using var taxiClient = ClientWith(TaxiKey);
        using var courierClient = ClientWith(CourierKey);

        using var ownPut = await PutRequestAsync(taxiClient, $"taxi-{suffix}", businessId);
        using var courierPut = await PutRequestAsync(courierClient, $"courier-{suffix}", businessId);
        using var foreignPut = await PutRequestAsync(taxiClient, $"courier-{suffix}", businessId);
        using var foreignGet = await taxiClient.GetAsync($"/v1/requests/courier-{suffix}");
        using var ownGet = await taxiClient.GetAsync($"/v1/requests/taxi-{suffix}");
        var taxiList = await UserDataListedAsync(taxiClient, businessId);
        var allList = await UserDataListedAsync(api.Client, businessId);
        using var courierRead = await courierClient.GetAsync($"/v1/requests/courier-{suffix}");

        Assert.Equal(HttpStatusCode.Created, ownPut.StatusCode);
        Assert.Equal(HttpStatusCode.Created, courierPut.StatusCode);
        await ProblemResponse.AssertAsync(foreignPut, HttpStatusCode.Forbidden);
        await ProblemResponse.AssertAsync(foreignGet, HttpStatusCode.NotFound);
        Assert.Equal(HttpStatusCode.OK, ownGet.StatusCode);
        Assert.Equal([$"taxi-{suffix}"], taxiList);
        Assert.Equal([$"courier-{suffix}", $"taxi-{suffix}"], allList.Order(StringComparer.Ordinal));
        // The refused registration changed nothing of the courier's request.
        var courierRequest = JsonDocument.Parse(await courierRead.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("courier-delivery", courierRequest.GetProperty("kind").GetString());
    }

    [Fact]
    public async Task A_tenant_pages_only_its_own_changes()
    {
        var after = await LastSeqAsync();
        var (taxi, courier) = await PushBothAsync();
        using var taxiClient = ClientWith(TaxiKey);

        using var page = JsonDocument.Parse(await taxiClient.GetStringAsync($"/v1/changes?after={after}&limit=500"));
        var changes = page.RootElement.GetProperty("items").EnumerateArray().ToList();
        using var foreign = JsonDocument.Parse(await taxiClient.GetStringAsync($"/v1/changes?after={after}&userData={Uri.EscapeDataString(courier.UserData)}"));

        Assert.Contains(changes, c => c.GetProperty("sessionId").GetString() == taxi.SessionId);
        Assert.All(changes, c => Assert.StartsWith("taxi-", c.GetProperty("userData").GetString()));
        Assert.Empty(foreign.RootElement.GetProperty("items").EnumerateArray());
    }

    [Fact]
    public async Task A_tenants_change_stream_carries_only_its_own_changes()
    {
        var after = await LastSeqAsync();
        // The courier's call first: a stream that let it through would show it before the taxi call's final change.
        var (taxi, _) = await PushBothAsync();
        using var taxiClient = ClientWith(TaxiKey);

        var streamed = await StreamUntilFinalAsync(taxiClient, $"/v1/changes/stream?after={after}", taxi.SessionId);

        Assert.NotEmpty(streamed);
        Assert.All(streamed, c => Assert.StartsWith("taxi-", c.GetProperty("userData").GetString()));
    }

    [Fact]
    public async Task A_tenants_subscription_is_invisible_and_untouchable_to_another_tenant()
    {
        using var taxiClient = ClientWith(TaxiKey);
        using var courierClient = ClientWith(CourierKey);
        using var created = await taxiClient.PostAsync("/v1/subscriptions", Json($"{{\"url\":\"{PublicUrl}\",\"userDataPrefix\":\"taxi-none-\"}}"));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString()!;
        var path = $"/v1/subscriptions/{id}";

        using var get = await courierClient.GetAsync(path);
        using var deliveries = await courierClient.GetAsync(path + "/deliveries");
        using var rotate = await courierClient.PostAsync(path + "/rotate-secret", null);
        using var replay = await courierClient.PostAsync(path + "/replay", Json("{\"after\":0}"));
        using var delete = await courierClient.DeleteAsync(path);
        var courierList = await SubscriptionIdsAsync(courierClient);
        var taxiList = await SubscriptionIdsAsync(taxiClient);
        var allList = await SubscriptionIdsAsync(api.Client);
        using var stillThere = await taxiClient.GetAsync(path);

        foreach (var refused in new[] { get, deliveries, rotate, replay, delete }) await ProblemResponse.AssertAsync(refused, HttpStatusCode.NotFound);
        Assert.DoesNotContain(id, courierList);
        Assert.Contains(id, taxiList);
        Assert.Contains(id, allList);
        Assert.Equal(HttpStatusCode.OK, stillThere.StatusCode);
        using var deleted = await taxiClient.DeleteAsync(path);
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
    }

    [Fact]
    public async Task A_tenants_subscription_is_sent_only_that_tenants_changes_whatever_its_own_filter_says()
    {
        var courierPrefix = $"courier-{Guid.NewGuid():N}-";
        using var taxiClient = ClientWith(TaxiKey);
        // Both ask for the courier's calls; only the all-tenants key may have them. Neither target can answer (a
        // documentation address), so nothing is delivered and the backlog counts exactly what each one is sent.
        var taxiSubscription = await CreateSubscriptionAsync(taxiClient, courierPrefix);
        var allSubscription = await CreateSubscriptionAsync(api.Client, courierPrefix);

        var courier = await api.PushAllAsync(SampleCall.Load("verification-code", userData: courierPrefix + "order"));
        var version = JsonDocument.Parse(await api.Client.GetStringAsync(CallPath(courier.SessionId))).RootElement.GetProperty("version").GetInt32();

        Assert.Equal(0, await BacklogAsync(taxiClient, taxiSubscription));
        Assert.Equal(version, await BacklogAsync(api.Client, allSubscription));
        foreach (var (client, id) in new[] { (taxiClient, taxiSubscription), (api.Client, allSubscription) })
        {
            using var deleted = await client.DeleteAsync($"/v1/subscriptions/{id}");
        }
    }

    [Fact]
    public async Task A_key_without_the_endpoints_scope_is_refused_with_403_and_one_with_it_is_let_in()
    {
        var (taxi, _) = await PushBothAsync();
        using var reader = ClientWith(TaxiReaderKey);

        using var call = await reader.GetAsync(CallPath(taxi.SessionId));
        using var request = await reader.GetAsync($"/v1/requests/{Uri.EscapeDataString(taxi.UserData)}");
        using var register = await PutRequestAsync(reader, $"taxi-{Guid.NewGuid():N}", "order-x");
        using var changes = await reader.GetAsync("/v1/changes");
        using var stream = await reader.GetAsync("/v1/changes/stream", HttpCompletionOption.ResponseHeadersRead);
        using var subscriptions = await reader.GetAsync("/v1/subscriptions");
        using var subscribe = await reader.PostAsync("/v1/subscriptions", Json($"{{\"url\":\"{PublicUrl}\"}}"));

        Assert.Equal(HttpStatusCode.OK, call.StatusCode);
        Assert.Equal(HttpStatusCode.OK, request.StatusCode);
        foreach (var refused in new[] { register, changes, stream, subscriptions, subscribe })
            await ProblemResponse.AssertAsync(refused, HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task A_wrong_key_is_still_401_and_a_tenants_key_does_not_open_the_dashboard()
    {
        using var wrong = ClientWith("not-a-key");
        using var taxiClient = ClientWith(TaxiKey);

        using var refused = await wrong.GetAsync("/v1/calls");
        using var dashboard = await taxiClient.GetAsync("/dashboard");
        using var docs = await taxiClient.GetAsync("/docs/");

        await ProblemResponse.AssertAsync(refused, HttpStatusCode.Unauthorized);
        await ProblemResponse.AssertAsync(dashboard, HttpStatusCode.Forbidden);
        Assert.NotEqual(HttpStatusCode.Unauthorized, docs.StatusCode);
        Assert.NotEqual(HttpStatusCode.Forbidden, docs.StatusCode);
    }

    private async Task<(SampleCall Taxi, SampleCall Courier)> PushBothAsync()
    {
        var courier = await api.PushAllAsync(SampleCall.Load("callback-connected", userData: $"courier-{Guid.NewGuid():N}"));
        var taxi = await api.PushAllAsync(SampleCall.Load("callback-connected", userData: $"taxi-{Guid.NewGuid():N}"));
        return (taxi, courier);
    }

    private HttpClient ClientWith(string key)
    {
        var client = new HttpClient { BaseAddress = api.Client.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    private async Task<long> LastSeqAsync()
    {
        // The all-tenants key's view of the feed's end: paging from 0 would only be slower.
        long after = 0;
        while (true)
        {
            using var page = JsonDocument.Parse(await api.Client.GetStringAsync($"/v1/changes?after={after}&limit=500"));
            var next = page.RootElement.GetProperty("next").GetInt64();
            if (next == after) return after;
            after = next;
        }
    }

    private static async Task<List<JsonElement>> StreamUntilFinalAsync(HttpClient client, string path, string sessionId)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var response = await client.GetAsync(path, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(timeout.Token));
        var changes = new List<JsonElement>();
        while (await reader.ReadLineAsync(timeout.Token) is { } line)
        {
            if (!line.StartsWith("data: ", StringComparison.Ordinal)) continue;
            var change = JsonDocument.Parse(line[6..]).RootElement;
            changes.Add(change);
            if (change.GetProperty("sessionId").GetString() == sessionId && change.GetProperty("type").GetString() == "call.final") break;
        }
        return changes;
    }

    private static async Task<List<string>> SessionIdsAsync(HttpClient client, string path)
    {
        using var page = JsonDocument.Parse(await client.GetStringAsync(path));
        return [.. page.RootElement.GetProperty("items").EnumerateArray().Select(c => c.GetProperty("sessionId").GetString()!)];
    }

    private static async Task<List<string>> UserDataListedAsync(HttpClient client, string businessId)
    {
        using var page = JsonDocument.Parse(await client.GetStringAsync($"/v1/requests?businessId={businessId}"));
        return [.. page.RootElement.GetProperty("items").EnumerateArray().Select(r => r.GetProperty("userData").GetString()!)];
    }

    private static async Task<List<string>> SubscriptionIdsAsync(HttpClient client)
    {
        using var page = JsonDocument.Parse(await client.GetStringAsync("/v1/subscriptions"));
        return [.. page.RootElement.GetProperty("items").EnumerateArray().Select(s => s.GetProperty("id").GetString()!)];
    }

    private static async Task<string> CreateSubscriptionAsync(HttpClient client, string prefix)
    {
        using var created = await client.PostAsync("/v1/subscriptions", Json($"{{\"url\":\"{PublicUrl}\",\"userDataPrefix\":\"{prefix}\"}}"));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        return JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString()!;
    }

    private static async Task<long> BacklogAsync(HttpClient client, string id) =>
        JsonDocument.Parse(await client.GetStringAsync($"/v1/subscriptions/{id}")).RootElement.GetProperty("backlog").GetInt64();

    private static Task<HttpResponseMessage> PutRequestAsync(HttpClient client, string userData, string businessId) =>
        client.PutAsync($"/v1/requests/{Uri.EscapeDataString(userData)}",
            Json($"{{\"kind\":\"{userData.Split('-')[0]}-delivery\",\"businessId\":\"{businessId}\"}}"));

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static string CallPath(string sessionId) => $"/v1/calls/{Uri.EscapeDataString(sessionId)}";
}

public sealed class TenantApiFixture : ApiFixture
{
    protected override IEnumerable<string> Settings => [.. base.Settings, .. TenantIsolationContract.TenantSettings];
}

public sealed class TenantPostgresApiFixture : PostgresApiFixture
{
    protected override IEnumerable<string> Settings => [.. base.Settings, .. TenantIsolationContract.TenantSettings];
}

public sealed class TenantIsolationTests(TenantApiFixture api) : TenantIsolationContract(api), IClassFixture<TenantApiFixture>;

public sealed class TenantIsolationTestsOnPostgres(TenantPostgresApiFixture api) : TenantIsolationContract(api), IClassFixture<TenantPostgresApiFixture>;
