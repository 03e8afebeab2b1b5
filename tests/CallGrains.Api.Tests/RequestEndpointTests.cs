using System.Net;
using System.Text.Json;
using CallGrains.Tests.Shared;

namespace CallGrains.Api.Tests;

/// <summary>The contract; run against the embedded service and against a PostgreSQL cluster.</summary>
public abstract class RequestEndpointContract(ApiFixture api)
{
    [Fact]
    public async Task Registering_a_request_is_201_then_200_and_calls_show_it()
    {
        var call = SampleCall.Load("callback-connected");
        var businessId = $"order-{Guid.NewGuid():N}";

        using var created = await PutAsync(call.UserData, $"{{\"kind\":\"taxi-order\",\"businessId\":\"{businessId}\",\"attributes\":{{\"driver\":\"d-9\"}}}}");
        await api.PushAllAsync(call.Pushes);
        using var updated = await PutAsync(call.UserData, $"{{\"kind\":\"taxi-order\",\"businessId\":\"{businessId}\",\"attributes\":{{\"driver\":\"d-10\"}}}}");

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.NotNull(created.Headers.Location);
        Assert.Equal(HttpStatusCode.OK, updated.StatusCode);
        using var view = JsonDocument.Parse(await api.Client.GetStringAsync($"/v1/calls/{Uri.EscapeDataString(call.SessionId)}"));
        var request = view.RootElement.GetProperty("request");
        Assert.Equal(call.UserData, request.GetProperty("userData").GetString());
        Assert.Equal("taxi-order", request.GetProperty("kind").GetString());
        Assert.Equal(businessId, request.GetProperty("businessId").GetString());
    }

    [Fact]
    public async Task A_request_registered_after_its_calls_lists_them_with_the_best_outcome()
    {
        var answered = SampleCall.Load("verification-code");
        await api.PushAllAsync(answered.Pushes);
        var attempt = SampleCall.Load("verification-code", userData: answered.UserData);
        await api.PostJsonAsync("/v1/huawei/status", attempt.Pushes[0]);

        using var seenOnly = JsonDocument.Parse(await api.Client.GetStringAsync($"/v1/requests/{Uri.EscapeDataString(answered.UserData)}"));
        using var put = await PutAsync(answered.UserData, "{\"kind\":\"sign-up\",\"businessId\":\"user-jane\"}");
        using var request = JsonDocument.Parse(await api.Client.GetStringAsync($"/v1/requests/{Uri.EscapeDataString(answered.UserData)}"));

        Assert.False(seenOnly.RootElement.GetProperty("registered").GetBoolean());
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        var root = request.RootElement;
        Assert.True(root.GetProperty("registered").GetBoolean());
        Assert.Equal("sign-up", root.GetProperty("kind").GetString());
        Assert.Equal(2, root.GetProperty("calls").GetArrayLength());
        Assert.Equal("answered", root.GetProperty("outcome").GetString());
        Assert.True(root.GetProperty("answered").GetBoolean());
        foreach (var summary in root.GetProperty("calls").EnumerateArray())
            foreach (var field in new[] { "sessionId", "status", "outcome", "final", "updatedAt" })
                Assert.True(summary.TryGetProperty(field, out _), $"summary lacks {field}");
    }

    [Fact]
    public async Task Requests_are_listed_by_business_id()
    {
        var businessId = $"order-{Guid.NewGuid():N}";
        await PutAsync($"{businessId}-attempt-1", $"{{\"kind\":\"taxi-order\",\"businessId\":\"{businessId}\"}}");
        await PutAsync($"{businessId}-attempt-2", $"{{\"kind\":\"taxi-order\",\"businessId\":\"{businessId}\"}}");

        using var list = JsonDocument.Parse(await api.Client.GetStringAsync($"/v1/requests?businessId={businessId}"));

        Assert.Equal([$"{businessId}-attempt-1", $"{businessId}-attempt-2"],
            list.RootElement.GetProperty("items").EnumerateArray().Select(r => r.GetProperty("userData").GetString()));
    }

    [Fact]
    public async Task An_unknown_request_is_a_404_problem()
    {
        using var response = await api.Client.GetAsync($"/v1/requests/nobody-{Guid.NewGuid():N}");

        await ProblemResponse.AssertAsync(response, HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("{\"businessId\":\"b-1\"}", "kind")]
    [InlineData("{\"kind\":\"taxi-order\"}", "businessId")]
    [InlineData("{\"kind\":\"\",\"businessId\":\"b-1\"}", "kind")]
    [InlineData("{\"kind\":42,\"businessId\":\"b-1\"}", "registration")]
    [InlineData("{\"kind\":\"k\",\"businessId\":\"b-1\",\"attributes\":{\"a\":1}}", "registration")]
    [InlineData("not json", "registration")]
    [InlineData("{\"kind\":\"k\\u0000\",\"businessId\":\"b-1\"}", "control characters")]
    [InlineData("{\"kind\":\"k\",\"businessId\":\"b-1\",\"attributes\":{\"a\":\"\\u0000\"}}", "control characters")]
    public async Task A_registration_that_makes_no_sense_is_a_400_problem(string body, string detailMentions)
    {
        using var response = await PutAsync($"bad-{Guid.NewGuid():N}", body);

        Assert.Contains(detailMentions, await ProblemResponse.AssertAsync(response, HttpStatusCode.BadRequest), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_user_data_over_256_characters_is_a_400_problem()
    {
        using var response = await PutAsync(new string('u', 257), "{\"kind\":\"k\",\"businessId\":\"b\"}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task Listing_requests_without_a_business_id_is_a_400_problem()
    {
        Assert.Equal(HttpStatusCode.BadRequest, (await api.Client.GetAsync("/v1/requests")).StatusCode);
    }

    private Task<HttpResponseMessage> PutAsync(string userData, string body) =>
        api.Client.PutAsync($"/v1/requests/{Uri.EscapeDataString(userData)}", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
}

[Collection(ApiCollection.Name)]
public sealed class RequestEndpointTests(ApiFixture api) : RequestEndpointContract(api);

[Collection(PostgresApiCollection.Name)]
public sealed class RequestEndpointTestsOnPostgres(PostgresApiFixture api) : RequestEndpointContract(api);
