using System.Net;
using System.Text.Json;
using CallGrains.Tests.Shared;

namespace CallGrains.Api.Tests;

/// <summary>
/// The subscription endpoints of the contract with the default webhook settings: private targets refused. The
/// subscriptions created here point at a documentation address and filter on a prefix no call carries, so nothing is sent.
/// </summary>
public abstract class SubscriptionEndpointContract(ApiFixture api)
{
    private const string PublicUrl = "https://203.0.113.10/hooks/calls";

    [Fact]
    public async Task A_created_subscription_shows_its_secret_once_and_lists_and_reads_never_show_it()
    {
        var prefix = $"none-{Guid.NewGuid():N}-";
        using var response = await api.PostJsonAsync("/v1/subscriptions", $"{{\"url\":\"{PublicUrl}\",\"types\":[\"call.final\"],\"userDataPrefix\":\"{prefix}\"}}");

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var created = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        var id = created.GetProperty("id").GetString()!;
        Assert.Equal($"/v1/subscriptions/{id}", response.Headers.Location?.OriginalString);
        Assert.Equal(PublicUrl, created.GetProperty("url").GetString());
        Assert.Equal(["call.final"], created.GetProperty("types").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal(prefix, created.GetProperty("userDataPrefix").GetString());
        Assert.Equal("active", created.GetProperty("status").GetString());
        Assert.EndsWith("Z", created.GetProperty("createdAt").GetString());
        Assert.StartsWith("whsec_", created.GetProperty("secret").GetString());

        var read = JsonDocument.Parse(await api.Client.GetStringAsync($"/v1/subscriptions/{id}")).RootElement;
        var listed = JsonDocument.Parse(await api.Client.GetStringAsync("/v1/subscriptions")).RootElement.GetProperty("items")
            .EnumerateArray().Single(s => s.GetProperty("id").GetString() == id);
        foreach (var shown in new[] { read, listed })
        {
            Assert.False(shown.TryGetProperty("secret", out _));
            Assert.Equal("active", shown.GetProperty("status").GetString());
            Assert.Equal(0, shown.GetProperty("backlog").GetInt64());
            Assert.Equal(JsonValueKind.Null, shown.GetProperty("lastDeliveryAt").ValueKind);
            Assert.Equal(JsonValueKind.Null, shown.GetProperty("lastError").ValueKind);
        }
        await DeleteAsync(id);
    }

    [Fact]
    public async Task Types_default_to_both_and_a_rotation_returns_a_new_secret()
    {
        var id = await CreateAsync();

        var read = JsonDocument.Parse(await api.Client.GetStringAsync($"/v1/subscriptions/{id}")).RootElement;
        using var rotated = await api.Client.PostAsync($"/v1/subscriptions/{id}/rotate-secret", null);
        using var again = await api.Client.PostAsync($"/v1/subscriptions/{id}/rotate-secret", null);

        Assert.Equal(["call.updated", "call.final"], read.GetProperty("types").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal(HttpStatusCode.OK, rotated.StatusCode);
        var first = JsonDocument.Parse(await rotated.Content.ReadAsStringAsync()).RootElement.GetProperty("secret").GetString();
        var second = JsonDocument.Parse(await again.Content.ReadAsStringAsync()).RootElement.GetProperty("secret").GetString();
        Assert.StartsWith("whsec_", first);
        Assert.NotEqual(first, second);
        await DeleteAsync(id);
    }

    [Fact]
    public async Task Replay_is_accepted_deliveries_are_listed_and_a_deleted_subscription_is_gone()
    {
        var id = await CreateAsync();

        using var replay = await api.PostJsonAsync($"/v1/subscriptions/{id}/replay", "{\"after\":0}");
        using var deliveries = await api.Client.GetAsync($"/v1/subscriptions/{id}/deliveries?limit=10");
        using var deleted = await api.Client.DeleteAsync($"/v1/subscriptions/{id}");
        using var read = await api.Client.GetAsync($"/v1/subscriptions/{id}");
        using var deletedAgain = await api.Client.DeleteAsync($"/v1/subscriptions/{id}");

        Assert.Equal(HttpStatusCode.Accepted, replay.StatusCode);
        Assert.Equal(HttpStatusCode.OK, deliveries.StatusCode);
        Assert.Equal(JsonValueKind.Array, JsonDocument.Parse(await deliveries.Content.ReadAsStringAsync()).RootElement.GetProperty("items").ValueKind);
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        await ProblemResponse.AssertAsync(read, HttpStatusCode.NotFound);
        await ProblemResponse.AssertAsync(deletedAgain, HttpStatusCode.NotFound);
        Assert.DoesNotContain(id, await api.Client.GetStringAsync("/v1/subscriptions"));
    }

    [Theory]
    [InlineData("http://127.0.0.1:8080/hooks")]
    [InlineData("http://localhost/hooks")]
    [InlineData("http://[::1]/hooks")]
    [InlineData("http://10.0.0.5/hooks")]
    [InlineData("http://172.20.1.1/hooks")]
    [InlineData("http://192.168.1.20/hooks")]
    [InlineData("http://169.254.169.254/latest/meta-data/")]
    [InlineData("http://[fe80::1]/hooks")]
    [InlineData("http://[fd00::1]/hooks")]
    [InlineData("http://0.0.0.0/hooks")]
    [InlineData("http://2130706433/hooks")]
    [InlineData("ftp://203.0.113.10/hooks")]
    [InlineData("file:///etc/passwd")]
    [InlineData("/hooks/calls")]
    [InlineData("not a url")]
    public async Task A_url_that_is_not_public_http_or_https_is_a_400_problem(string url)
    {
        using var response = await api.PostJsonAsync("/v1/subscriptions", JsonSerializer.Serialize(new { url }));

        var detail = await ProblemResponse.AssertAsync(response, HttpStatusCode.BadRequest);
        Assert.Contains("url", detail);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not json")]
    [InlineData("{}")]
    [InlineData("[]")]
    [InlineData("{\"url\":\"https://203.0.113.10/h\",\"types\":[]}")]
    [InlineData("{\"url\":\"https://203.0.113.10/h\",\"types\":[\"call.deleted\"]}")]
    [InlineData("{\"url\":\"https://203.0.113.10/h\",\"userDataPrefix\":\"a\\u0001b\"}")]
    public async Task A_body_that_is_not_a_subscription_is_a_400_problem(string body)
    {
        using var response = await api.PostJsonAsync("/v1/subscriptions", body);

        await ProblemResponse.AssertAsync(response, HttpStatusCode.BadRequest);
    }

    [Theory]
    [InlineData("{\"after\":-1}")]
    [InlineData("{}")]
    [InlineData("nope")]
    public async Task A_replay_without_a_seq_from_0_is_a_400_problem(string body)
    {
        var id = await CreateAsync();

        using var response = await api.PostJsonAsync($"/v1/subscriptions/{id}/replay", body);

        await ProblemResponse.AssertAsync(response, HttpStatusCode.BadRequest);
        await DeleteAsync(id);
    }

    [Theory]
    [InlineData("GET", "")]
    [InlineData("DELETE", "")]
    [InlineData("POST", "/rotate-secret")]
    [InlineData("POST", "/replay")]
    [InlineData("GET", "/deliveries")]
    public async Task An_unknown_subscription_is_a_404_problem(string method, string path)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), $"/v1/subscriptions/sub_{Guid.NewGuid():N}{path}");
        if (method == "POST") request.Content = new StringContent("{\"after\":0}", System.Text.Encoding.UTF8, "application/json");

        using var response = await api.Client.SendAsync(request);

        await ProblemResponse.AssertAsync(response, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_deliveries_limit_outside_1_to_100_is_a_400_problem()
    {
        var id = await CreateAsync();

        using var response = await api.Client.GetAsync($"/v1/subscriptions/{id}/deliveries?limit=0");

        await ProblemResponse.AssertAsync(response, HttpStatusCode.BadRequest);
        await DeleteAsync(id);
    }

    [Fact]
    public async Task Subscriptions_need_an_api_key()
    {
        using var list = await api.Anonymous.GetAsync("/v1/subscriptions");
        using var create = await api.Anonymous.PostAsync("/v1/subscriptions",
            new StringContent($"{{\"url\":\"{PublicUrl}\"}}", System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.Unauthorized, list.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, create.StatusCode);
    }

    private async Task<string> CreateAsync()
    {
        using var response = await api.PostJsonAsync("/v1/subscriptions", $"{{\"url\":\"{PublicUrl}\",\"userDataPrefix\":\"none-{Guid.NewGuid():N}-\"}}");
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString()!;
    }

    private async Task DeleteAsync(string id)
    {
        using var response = await api.Client.DeleteAsync($"/v1/subscriptions/{id}");
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
    }
}

[Collection(ApiCollection.Name)]
public sealed class SubscriptionEndpointTests(ApiFixture api) : SubscriptionEndpointContract(api);

[Collection(PostgresApiCollection.Name)]
public sealed class SubscriptionEndpointTestsOnPostgres(PostgresApiFixture api) : SubscriptionEndpointContract(api);
