using System.Net;
using System.Net.Http.Headers;
using CallGrains.Operability.Access;
using CallGrains.Tests.Shared;

namespace CallGrains.Api.Tests;

/// <summary>A service of its own (its lock-outs must not touch other tests), behind a proxy on loopback.</summary>
public sealed class ProxiedApiFixture : ApiFixture
{
    protected override IEnumerable<string> Settings => [.. base.Settings, "--CallGrains:KnownProxies:0=127.0.0.1"];
}

public sealed class FailedAuthenticationTests(ProxiedApiFixture api) : IClassFixture<ProxiedApiFixture>
{
    [Fact]
    public async Task An_address_that_keeps_guessing_keys_is_locked_out_for_a_while_and_others_are_not()
    {
        for (var i = 0; i < FailedAuthentications.MaxFailures; i++)
        {
            using var guess = await GetAsync("198.51.100.77", "guess-" + i);
            await ProblemResponse.AssertAsync(guess, HttpStatusCode.Unauthorized);
        }

        using var locked = await GetAsync("198.51.100.77", "another-guess");
        using var evenTheRightKey = await GetAsync("198.51.100.77", ApiFixture.ApiKey);
        using var someoneElse = await GetAsync("198.51.100.78", ApiFixture.ApiKey);

        await ProblemResponse.AssertAsync(locked, HttpStatusCode.TooManyRequests);
        Assert.NotNull(locked.Headers.RetryAfter);
        await ProblemResponse.AssertAsync(evenTheRightKey, HttpStatusCode.TooManyRequests);
        Assert.Equal(HttpStatusCode.OK, someoneElse.StatusCode);
    }

    private async Task<HttpResponseMessage> GetAsync(string from, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/calls?limit=1");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        request.Headers.TryAddWithoutValidation("X-Forwarded-For", from);
        return await api.Anonymous.SendAsync(request);
    }
}
