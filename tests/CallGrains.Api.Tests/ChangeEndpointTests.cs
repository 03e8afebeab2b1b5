using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using CallGrains.Tests.Shared;

namespace CallGrains.Api.Tests;

/// <summary>
/// The change feed of the contract: one change per view version, paged by seq and streamed as server-sent events.
/// The feed is shared by every test of a fixture, so each test reads only its own call's userData.
/// </summary>
public abstract class ChangeEndpointContract(ApiFixture api)
{
    [Theory]
    [InlineData("callback-connected", 1)]
    [InlineData("notification-collect", 2)]
    [InlineData("verification-code", 3)]
    public async Task Pushes_in_any_order_with_duplicates_make_one_change_per_version_in_version_order_and_one_final(string sample, int seed)
    {
        var call = SampleCall.Load(sample);
        await api.PushAllAsync(call.Shuffled(seed));

        var changes = await PageAsync($"/v1/changes?userData={Uri.EscapeDataString(call.UserData)}&limit=500");
        using var view = JsonDocument.Parse(await api.Client.GetStringAsync($"/v1/calls/{Uri.EscapeDataString(call.SessionId)}"));

        var version = view.RootElement.GetProperty("version").GetInt32();
        Assert.Equal(Enumerable.Range(1, version), changes.Select(c => c.Version));
        Assert.Equal(changes.Select(c => c.Seq).Order(), changes.Select(c => c.Seq));
        var final = Assert.Single(changes, c => c.Type == "call.final");
        Assert.True(final.Call.GetProperty("final").GetBoolean());
        Assert.All(changes.TakeWhile(c => c != final), c => Assert.False(c.Call.GetProperty("final").GetBoolean()));
        Assert.All(changes, c => Assert.Equal(c.Version, c.Call.GetProperty("version").GetInt32()));
        Assert.All(changes, c => Assert.Equal(call.SessionId, c.SessionId));
    }

    [Fact]
    public async Task Following_next_pages_through_every_change_once_and_stays_put_when_nothing_is_new()
    {
        var call = await api.PushAllAsync(SampleCall.Load("callback-connected"));
        var filter = $"userData={Uri.EscapeDataString(call.UserData)}";
        var all = await PageAsync($"/v1/changes?{filter}&limit=500");

        var followed = new List<FeedChange>();
        long after = 0;
        while (true)
        {
            using var page = JsonDocument.Parse(await api.Client.GetStringAsync($"/v1/changes?{filter}&limit=2&after={after}"));
            var items = page.RootElement.GetProperty("items").EnumerateArray().Select(FeedChange.Of).ToList();
            var next = page.RootElement.GetProperty("next").GetInt64();
            if (items.Count == 0)
            {
                Assert.Equal(after, next);
                break;
            }
            Assert.Equal(items[^1].Seq, next);
            followed.AddRange(items);
            after = next;
        }

        Assert.Equal(all.Select(c => c.Seq), followed.Select(c => c.Seq));
        Assert.Equal(8, followed.Count);
    }

    [Fact]
    public async Task A_type_filter_gives_only_that_type()
    {
        var call = await api.PushAllAsync(SampleCall.Load("verification-code"));

        var finals = await PageAsync($"/v1/changes?userData={Uri.EscapeDataString(call.UserData)}&type=call.final");

        Assert.Equal("call.final", Assert.Single(finals).Type);
    }

    [Theory]
    [InlineData("after=-1")]
    [InlineData("after=abc")]
    [InlineData("limit=0")]
    [InlineData("limit=501")]
    [InlineData("type=call.deleted")]
    [InlineData("userData=a%00b")]
    public async Task A_change_query_that_makes_no_sense_is_a_400_problem(string query)
    {
        using var list = await api.Client.GetAsync($"/v1/changes?{query}");
        using var stream = await api.Client.GetAsync($"/v1/changes/stream?{query}", HttpCompletionOption.ResponseHeadersRead);

        await ProblemResponse.AssertAsync(list, HttpStatusCode.BadRequest);
        await ProblemResponse.AssertAsync(stream, HttpStatusCode.BadRequest);
    }

    [Theory]
    [InlineData("/v1/changes")]
    [InlineData("/v1/changes/stream")]
    public async Task The_change_feed_needs_an_api_key(string path)
    {
        using var response = await api.Anonymous.GetAsync(path, HttpCompletionOption.ResponseHeadersRead);

        await ProblemResponse.AssertAsync(response, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task A_stream_resumed_with_Last_Event_ID_continues_without_a_gap_or_a_repeat()
    {
        var call = SampleCall.Load("callback-connected");
        var path = $"/v1/changes/stream?userData={Uri.EscapeDataString(call.UserData)}&after=0";
        await api.PushAllAsync(call.Pushes.Take(3));

        var first = new List<FeedChange>();
        await using (var stream = await ChangeStream.OpenAsync(api.Client, path))
        {
            first.AddRange(await stream.ReadAsync(3));
        }
        await api.PushAllAsync(call.Pushes.Skip(3));
        await using (var resumed = await ChangeStream.OpenAsync(api.Client, path, lastEventId: first[^1].Seq))
        {
            first.AddRange(await resumed.ReadAsync(5));
        }

        Assert.Equal(Enumerable.Range(1, 8), first.Select(c => c.Version));
        Assert.Equal("call.final", first[^1].Type);
    }

    [Fact]
    public async Task A_stream_without_a_cursor_starts_at_the_current_end_and_sends_what_comes_next()
    {
        var call = SampleCall.Load("verification-code");
        await api.PushAllAsync(call.Pushes.Take(2));

        await using var stream = await ChangeStream.OpenAsync(api.Client, $"/v1/changes/stream?userData={Uri.EscapeDataString(call.UserData)}");
        await api.PushAllAsync(call.Pushes.Skip(2).Take(1));

        var change = Assert.Single(await stream.ReadAsync(1));
        Assert.Equal(3, change.Version);
    }

    private async Task<List<FeedChange>> PageAsync(string path)
    {
        using var page = JsonDocument.Parse(await api.Client.GetStringAsync(path));
        return [.. page.RootElement.GetProperty("items").EnumerateArray().Select(FeedChange.Of)];
    }
}

[Collection(ApiCollection.Name)]
public sealed class ChangeEndpointTests(ApiFixture api) : ChangeEndpointContract(api);

[Collection(PostgresApiCollection.Name)]
public sealed class ChangeEndpointTestsOnPostgres(PostgresApiFixture api) : ChangeEndpointContract(api);
