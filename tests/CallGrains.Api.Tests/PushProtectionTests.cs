using System.Net;
using System.Text;
using CallGrains.Tests.Shared;

namespace CallGrains.Api.Tests;

/// <summary>The protected set-ups the tests below run on, each on both stores.</summary>
public static class ProtectedSetups
{
    public const string Token = "push-token-7c1f9e2a4b";

    /// <summary>Pushes must carry this token in their URL.</summary>
    public static readonly string[] WithToken = [$"--CallGrains:PushAuthentication:Token={Token}"];

    /// <summary>Pushes only from 10.0.0.0/8; no proxy is known, so a forwarded address is not believed.</summary>
    public static readonly string[] WithNetwork = ["--CallGrains:PushAuthentication:AllowedNetworks:0=10.0.0.0/8"];

    /// <summary>Pushes only from 203.0.113.0/24, through a proxy on loopback whose X-Forwarded-For is believed.</summary>
    public static readonly string[] WithProxiedNetwork =
    [
        "--CallGrains:PushAuthentication:AllowedNetworks:0=203.0.113.0/24",
        "--CallGrains:KnownProxies:0=127.0.0.1",
    ];

    /// <summary>An app secret is configured and nothing is said about unsigned pushes.</summary>
    public static readonly string[] WithSecret = ["--CallGrains:PushAuthentication:Apps:taxi-app:Secret=taxi-secret-5f1e0c"];
}

public sealed class TokenApiFixture : ApiFixture
{
    protected override IEnumerable<string> Settings => [.. base.Settings, .. ProtectedSetups.WithToken];
}

public sealed class TokenPostgresApiFixture : PostgresApiFixture
{
    protected override IEnumerable<string> Settings => [.. base.Settings, .. ProtectedSetups.WithToken];
}

public sealed class NetworkApiFixture : ApiFixture
{
    protected override IEnumerable<string> Settings => [.. base.Settings, .. ProtectedSetups.WithNetwork];
}

public sealed class NetworkPostgresApiFixture : PostgresApiFixture
{
    protected override IEnumerable<string> Settings => [.. base.Settings, .. ProtectedSetups.WithNetwork];
}

public sealed class ProxiedNetworkApiFixture : ApiFixture
{
    protected override IEnumerable<string> Settings => [.. base.Settings, .. ProtectedSetups.WithProxiedNetwork];
}

public sealed class ProxiedNetworkPostgresApiFixture : PostgresApiFixture
{
    protected override IEnumerable<string> Settings => [.. base.Settings, .. ProtectedSetups.WithProxiedNetwork];
}

public sealed class SecretApiFixture : ApiFixture
{
    protected override IEnumerable<string> Settings => [.. base.Settings, .. ProtectedSetups.WithSecret];
}

public sealed class SecretPostgresApiFixture : PostgresApiFixture
{
    protected override IEnumerable<string> Settings => [.. base.Settings, .. ProtectedSetups.WithSecret];
}

public abstract class PushTokenContract(ApiFixture api)
{
    [Theory]
    [InlineData("")]
    [InlineData("?token=wrong")]
    [InlineData("?token=push-token-7c1f9e2a4")]
    public async Task A_push_without_the_right_token_is_a_401_problem_and_stores_nothing(string query)
    {
        var call = SampleCall.Load("verification-code");

        using var response = await api.PostJsonAsync("/v1/huawei/status" + query, call.Pushes[0]);

        await ProblemResponse.AssertAsync(response, HttpStatusCode.Unauthorized);
        Assert.Equal(HttpStatusCode.NotFound, (await api.Client.GetAsync($"/v1/calls/{Uri.EscapeDataString(call.SessionId)}")).StatusCode);
    }

    [Fact]
    public async Task A_push_with_the_token_is_stored()
    {
        var call = SampleCall.Load("verification-code");

        await api.PushAllAsync(call.Pushes, p => api.PostJsonAsync(ApiFixture.PushPathFor(p) + "?token=" + ProtectedSetups.Token, p));

        Assert.Equal(HttpStatusCode.OK, (await api.Client.GetAsync($"/v1/calls/{Uri.EscapeDataString(call.SessionId)}")).StatusCode);
    }
}

public abstract class PushNetworkContract(ApiFixture api)
{
    [Theory]
    [InlineData(null)]
    [InlineData("10.1.2.3")]
    public async Task A_push_from_outside_the_allowed_networks_is_a_403_problem_whatever_it_claims(string? forwardedFor)
    {
        var call = SampleCall.Load("verification-code");

        using var response = await PushHelpers.SendAsync(api, call.Pushes[0], forwardedFor);

        await ProblemResponse.AssertAsync(response, HttpStatusCode.Forbidden);
        Assert.Equal(HttpStatusCode.NotFound, (await api.Client.GetAsync($"/v1/calls/{Uri.EscapeDataString(call.SessionId)}")).StatusCode);
    }
}

public abstract class ProxiedPushNetworkContract(ApiFixture api)
{
    [Fact]
    public async Task Behind_a_known_proxy_the_forwarded_address_is_the_one_checked()
    {
        var inside = SampleCall.Load("verification-code");
        var outside = SampleCall.Load("verification-code");

        using var allowed = await PushHelpers.SendAsync(api, inside.Pushes[0], "203.0.113.7");
        using var refused = await PushHelpers.SendAsync(api, outside.Pushes[0], "198.51.100.1");

        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        await ProblemResponse.AssertAsync(refused, HttpStatusCode.Forbidden);
    }
}

public abstract class UnsignedPushDefaultContract(ApiFixture api)
{
    [Fact]
    public async Task Once_an_app_has_a_secret_an_unsigned_push_is_refused_by_default()
    {
        var call = SampleCall.Load("verification-code");

        using var response = await api.PostJsonAsync("/v1/huawei/status", call.Pushes[0]);

        await ProblemResponse.AssertAsync(response, HttpStatusCode.Unauthorized);
        Assert.Equal(HttpStatusCode.NotFound, (await api.Client.GetAsync($"/v1/calls/{Uri.EscapeDataString(call.SessionId)}")).StatusCode);
    }
}

public sealed class PushTokenTests(TokenApiFixture api) : PushTokenContract(api), IClassFixture<TokenApiFixture>;

public sealed class PushTokenTestsOnPostgres(TokenPostgresApiFixture api) : PushTokenContract(api), IClassFixture<TokenPostgresApiFixture>;

public sealed class PushNetworkTests(NetworkApiFixture api) : PushNetworkContract(api), IClassFixture<NetworkApiFixture>;

public sealed class PushNetworkTestsOnPostgres(NetworkPostgresApiFixture api) : PushNetworkContract(api), IClassFixture<NetworkPostgresApiFixture>;

public sealed class ProxiedPushNetworkTests(ProxiedNetworkApiFixture api) : ProxiedPushNetworkContract(api), IClassFixture<ProxiedNetworkApiFixture>;

public sealed class ProxiedPushNetworkTestsOnPostgres(ProxiedNetworkPostgresApiFixture api)
    : ProxiedPushNetworkContract(api), IClassFixture<ProxiedNetworkPostgresApiFixture>;

public sealed class UnsignedPushDefaultTests(SecretApiFixture api) : UnsignedPushDefaultContract(api), IClassFixture<SecretApiFixture>;

public sealed class UnsignedPushDefaultTestsOnPostgres(SecretPostgresApiFixture api)
    : UnsignedPushDefaultContract(api), IClassFixture<SecretPostgresApiFixture>;

internal static class PushHelpers
{
    public static async Task<HttpResponseMessage> SendAsync(ApiFixture api, string push, string? forwardedFor)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, ApiFixture.PushPathFor(push))
        {
            Content = new StringContent(push, Encoding.UTF8, "application/json"),
        };
        if (forwardedFor is not null) request.Headers.TryAddWithoutValidation("X-Forwarded-For", forwardedFor);
        return await api.Client.SendAsync(request);
    }
}
