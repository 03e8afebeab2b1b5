using System.Buffers.Text;
using System.Net;
using System.Text;
using CallGrains.Tests.Shared;

namespace CallGrains.Api.Tests;

/// <summary>
/// Ids from paths, queries and cursors are refused with 400 when they could not be read back as sent (dot
/// segments) or cannot be stored (control characters): never served under another id, never a 503.
/// </summary>
public abstract class IdHygieneContract(ApiFixture api)
{
    [Theory]
    [InlineData("/v1/calls/A/../B")]
    [InlineData("/v1/calls/A/./B/events")]
    [InlineData("/v1/calls/%2E%2E/B")]
    [InlineData("/v1/calls/a%01b/events")]
    [InlineData("/v1/requests/a%1Fb")]
    [InlineData("/v1/requests/x/../y")]
    [InlineData("/v1/calls?userData=a%00b")]
    [InlineData("/v1/requests?businessId=a%00b")]
    [InlineData("/v1/changes?userData=a%00b")]
    public async Task An_id_with_a_dot_segment_or_a_control_character_is_a_400_problem(string target)
    {
        using var response = await GetRawAsync(target);

        await ProblemResponse.AssertAsync(response, HttpStatusCode.BadRequest);
    }

    [Theory]
    [InlineData("/v1/calls/a%00b")]
    [InlineData("/v1/requests/a%00b")]
    public async Task A_nul_in_a_path_is_refused_by_the_server_itself(string target)
    {
        // Kestrel refuses an encoded NUL in the path before the service sees it: 400, never a 503 from the store.
        using var response = await GetRawAsync(target);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task A_cursor_that_smuggles_a_control_character_is_a_400_problem()
    {
        var cursor = Base64Url.EncodeToString(Encoding.UTF8.GetBytes("638000000000000000|a\0b"));

        using var response = await api.Client.GetAsync($"/v1/calls?cursor={cursor}");

        await ProblemResponse.AssertAsync(response, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task A_registration_under_a_dot_segment_is_refused_and_stores_nothing()
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, RawUri("/v1/requests/order-1/../order-2"))
        {
            Content = new StringContent("{\"kind\":\"taxi-order\",\"businessId\":\"b-1\"}", Encoding.UTF8, "application/json"),
        };

        using var response = await api.Client.SendAsync(request);

        await ProblemResponse.AssertAsync(response, HttpStatusCode.BadRequest);
    }

    /// <summary>Sends the target exactly as written: HttpClient would otherwise resolve the dot segments itself.</summary>
    private Task<HttpResponseMessage> GetRawAsync(string target) => api.Client.GetAsync(RawUri(target));

    private Uri RawUri(string target) =>
        new(api.Client.BaseAddress + target.TrimStart('/'), new UriCreationOptions { DangerousDisablePathAndQueryCanonicalization = true });
}

[Collection(ApiCollection.Name)]
public sealed class IdHygieneTests(ApiFixture api) : IdHygieneContract(api);

[Collection(PostgresApiCollection.Name)]
public sealed class IdHygieneTestsOnPostgres(PostgresApiFixture api) : IdHygieneContract(api);
