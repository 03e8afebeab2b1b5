using System.Net;
using System.Text;
using System.Text.Json;
using CallGrains.Api.Pushes;
using CallGrains.Tests.Shared;

namespace CallGrains.Api.Tests;

/// <summary>
/// The service with tight limits: 50 pushes/s per client address, 1 s per request, 3 calls per userData, digits
/// masked; loopback is a known proxy, so that tests can speak as several client addresses through X-Forwarded-For.
/// </summary>
public sealed class LimitedApiFixture : ApiFixture
{
    public const int PushesPerSecond = 50;
    public const int MaxCallsPerUserData = 3;

    protected override IEnumerable<string> Settings =>
    [
        .. base.Settings,
        $"--CallGrains:Limits:PushesPerSecondPerClient={PushesPerSecond}",
        "--CallGrains:Limits:RequestTimeoutSeconds=1",
        $"--CallGrains:Limits:MaxCallsPerUserData={MaxCallsPerUserData}",
        "--CallGrains:MaskDigits=true",
        "--CallGrains:KnownProxies:0=127.0.0.1",
    ];
}

public sealed class LimitTests(LimitedApiFixture api) : IClassFixture<LimitedApiFixture>
{
    [Fact]
    public async Task A_client_over_its_push_rate_gets_429_problems_with_retry_after_and_never_a_5xx()
    {
        var calls = Enumerable.Range(0, 40).Select(_ => SampleCall.Load("verification-code")).ToList();

        var started = System.Diagnostics.Stopwatch.StartNew();
        var responses = await Task.WhenAll(calls.SelectMany(c => c.Pushes.Take(4)).Select(p => SendAsync(p, "burst-client")));
        var seconds = (int)Math.Ceiling(started.Elapsed.TotalSeconds);

        var codes = responses.Select(r => r.StatusCode).ToList();
        Assert.All(codes, c => Assert.True(c is HttpStatusCode.OK or HttpStatusCode.TooManyRequests, $"unexpected {c}"));
        // A full bucket, then the rate for as long as the burst took (a loaded machine stretches it).
        Assert.InRange(codes.Count(c => c == HttpStatusCode.OK), 1, LimitedApiFixture.PushesPerSecond * (1 + seconds));
        var refused = responses.First(r => r.StatusCode == HttpStatusCode.TooManyRequests);
        await ProblemResponse.AssertAsync(refused, HttpStatusCode.TooManyRequests);
        Assert.NotNull(refused.Headers.RetryAfter);
        foreach (var response in responses) response.Dispose();
    }

    [Fact]
    public async Task The_rate_is_per_client_so_a_quiet_client_is_not_throttled_by_a_noisy_one()
    {
        var noisy = Enumerable.Range(0, 30).Select(_ => SampleCall.Load("verification-code")).SelectMany(c => c.Pushes.Take(4));
        foreach (var response in await Task.WhenAll(noisy.Select(p => SendAsync(p, "noisy-client")))) response.Dispose();

        using var quiet = await SendAsync(SampleCall.Load("verification-code").Pushes[0], "quiet-client");

        Assert.Equal(HttpStatusCode.OK, quiet.StatusCode);
    }

    [Fact]
    public async Task Claiming_other_app_keys_does_not_buy_a_sender_more_pushes()
    {
        var pushes = Enumerable.Range(0, 40).Select(_ => SampleCall.Load("verification-code")).SelectMany(c => c.Pushes.Take(4)).ToList();

        var responses = await Task.WhenAll(pushes.Select((p, i) => SendAsync(p, "spreading-client", appKey: $"made-up-{i}")));

        Assert.Contains(responses, r => r.StatusCode == HttpStatusCode.TooManyRequests);
        foreach (var response in responses) response.Dispose();
    }

    [Fact]
    public async Task A_store_too_slow_for_the_request_timeout_is_a_503_with_retry_after_that_names_the_deadline()
    {
        var call = SampleCall.Load("verification-code");

        HttpResponseMessage response;
        using (api.SlowStore(TimeSpan.FromSeconds(4)))
            response = await SendAsync(call.Pushes[0], "slow-store-client");

        await ProblemResponse.AssertUnavailableAsync(response, "deadline");
        response.Dispose();
    }

    [Fact]
    public async Task A_request_keeps_only_its_most_recent_calls_and_says_so()
    {
        var userData = $"hot-order-{Guid.NewGuid():N}";
        var calls = Enumerable.Range(0, LimitedApiFixture.MaxCallsPerUserData + 2).Select(_ => SampleCall.Load("verification-code", userData: userData)).ToList();
        foreach (var call in calls)
            await api.PushAllAsync(call.Pushes, push => SendAsync(push, "hot-key-client"));

        using var request = JsonDocument.Parse(await api.Client.GetStringAsync($"/v1/requests/{Uri.EscapeDataString(userData)}"));

        Assert.True(request.RootElement.GetProperty("callsTruncated").GetBoolean());
        Assert.Equal(LimitedApiFixture.MaxCallsPerUserData, request.RootElement.GetProperty("calls").GetArrayLength());
        using var all = JsonDocument.Parse(await api.Client.GetStringAsync($"/v1/calls?userData={Uri.EscapeDataString(userData)}"));
        Assert.Equal(calls.Count, all.RootElement.GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task Masked_digits_keep_their_count_but_not_their_value_in_views_and_events()
    {
        var call = SampleCall.Load("notification-collect");
        await api.PushAllAsync(call.Pushes, push => SendAsync(push, "masking-client"));
        var id = Uri.EscapeDataString(call.SessionId);

        using var view = JsonDocument.Parse(await api.Client.GetStringAsync($"/v1/calls/{id}"));
        var events = await api.Client.GetStringAsync($"/v1/calls/{id}/events");

        Assert.Equal(["*"], view.RootElement.GetProperty("digits").EnumerateArray().Select(d => d.GetString()));
        Assert.Contains("\"digitInfo\":\"*\"", events, StringComparison.Ordinal);
        Assert.DoesNotContain("\"digitInfo\":\"1\"", events, StringComparison.Ordinal);
    }

    /// <summary>Sends as one client: the rate limiter tells clients apart by the app key in X-AKSK (unverified here: no secrets configured).</summary>
    /// <summary>Sends as the client address named by <paramref name="client"/>, optionally claiming an app key.</summary>
    private async Task<HttpResponseMessage> SendAsync(string push, string client, string? appKey = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, ApiFixture.PushPathFor(push))
        {
            Content = new StringContent(push, Encoding.UTF8, "application/json"),
        };
        request.Headers.TryAddWithoutValidation("X-Forwarded-For", AddressOf(client));
        if (appKey is not null)
            request.Headers.TryAddWithoutValidation(PushAuthentication.HeaderName, new PushSignature(appKey, "unsigned", Guid.NewGuid().ToString("N"), "2026-01-01T00:00:00Z").Header());
        return await api.Client.SendAsync(request);
    }

    private static string AddressOf(string client) => $"198.51.100.{client.Sum(c => c) % 250 + 1}";
}
