using System.Net;
using System.Text.Json;
using CallGrains.Retention;
using CallGrains.Tests.Shared;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace CallGrains.Api.Tests;

/// <summary>The service keeping calls 30 days (and the default grace of a day).</summary>
public sealed class RetentionApiFixture : ApiFixture
{
    public static readonly string[] Retention = ["--CallGrains:Retention:Days=30"];

    protected override IEnumerable<string> Settings => [.. base.Settings, .. Retention];
}

/// <summary>The same retention on PostgreSQL.</summary>
public sealed class RetentionPostgresApiFixture : PostgresApiFixture
{
    protected override IEnumerable<string> Settings => [.. base.Settings, .. RetentionApiFixture.Retention];
}

public sealed class RetentionTests(RetentionApiFixture api) : RetentionContract(api), IClassFixture<RetentionApiFixture>;

public sealed class RetentionTestsOnPostgres(RetentionPostgresApiFixture api)
    : RetentionContract(api), IClassFixture<RetentionPostgresApiFixture>
{
    /// <summary>In the tables themselves: no row of the old call, its week's partitions dropped, no DEFAULT partition used.</summary>
    protected override async Task AssertStoredAsync(string removedSessionId, DateTimeOffset removedAt)
    {
        var connectionString = Api.Services.GetRequiredService<IConfiguration>().GetConnectionString("CallGrains");
        await using var source = NpgsqlDataSource.Create(connectionString!);
        await using var rows = source.CreateCommand("""
            SELECT (SELECT count(*) FROM callgrains_journal WHERE session_id = $1)
                 + (SELECT count(*) FROM callgrains_calls WHERE session_id = $1)
                 + (SELECT count(*) FROM callgrains_changes WHERE session_id = $1)
            """);
        rows.Parameters.Add(new NpgsqlParameter<string> { TypedValue = removedSessionId });
        Assert.Equal(0L, await rows.ExecuteScalarAsync());

        await using var partitions = source.CreateCommand("""
            SELECT count(*) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
            WHERE c.relname IN ('callgrains_journal_w' || $1, 'callgrains_calls_w' || $1, 'callgrains_changes_w' || $1)
            """);
        partitions.Parameters.Add(new NpgsqlParameter<string>
        {
            TypedValue = Domain.Retention.RetentionPolicy.WeekOf(removedAt).ToString("yyyyMMdd", System.Globalization.CultureInfo.InvariantCulture),
        });
        Assert.Equal(0L, await partitions.ExecuteScalarAsync());

        await using var fallback = source.CreateCommand("""
            SELECT (SELECT count(*) FROM callgrains_journal_default) + (SELECT count(*) FROM callgrains_calls_default)
                 + (SELECT count(*) FROM callgrains_changes_default)
            """);
        Assert.Equal(0L, await fallback.ExecuteScalarAsync());
    }
}

/// <summary>
/// Retention on the movable service clock: a call past CallGrains:Retention:Days disappears from every answer, its grain
/// forgets it, and nothing younger is touched, while pushes go on during the run.
/// </summary>
public abstract class RetentionContract(ApiFixture api)
{
    protected ApiFixture Api => api;

    [Fact]
    public async Task A_call_past_the_retention_disappears_everywhere_while_younger_calls_and_pushes_during_the_run_are_kept()
    {
        var old = await api.PushAllAsync(SampleCall.Load("callback-connected"));
        var oldAt = api.Clock.GetUtcNow();
        using var later = api.Clock.Advance(TimeSpan.FromDays(40));
        // Its grain is active and holds the call; the run must not leave it answering from memory.
        Assert.Equal(HttpStatusCode.OK, (await api.Client.GetAsync(CallPath(old.SessionId))).StatusCode);

        var young = await api.PushAllAsync(SampleCall.Load("verification-code"));
        var during = Enumerable.Range(0, 20).Select(_ => SampleCall.Load("notification-collect")).ToList();
        var run = RunAsync();
        await Task.WhenAll(during.Select(call => api.PushAllAsync(call.Pushes)).Append(run));
        // The reminder's next tick: places pushes that landed while the first run made room.
        var (first, again) = (await run, await RunAsync());

        Assert.True(first.Enabled);
        Assert.Equal(1, first.CallsRemoved + again.CallsRemoved);
        Assert.Equal(HttpStatusCode.NotFound, (await api.Client.GetAsync(CallPath(old.SessionId))).StatusCode);
        Assert.Empty(await ItemsAsync($"/v1/calls?userData={old.UserData}"));
        var changes = (await ItemsAsync("/v1/changes?limit=500")).GroupBy(c => c.GetProperty("sessionId").GetString()!).ToDictionary(g => g.Key, g => g.Count());
        Assert.DoesNotContain(old.SessionId, changes.Keys);
        Assert.Empty(await ItemsAsync($"/v1/calls/{Uri.EscapeDataString(old.SessionId)}/events", list: true));
        await AssertStoredAsync(old.SessionId, oldAt);

        foreach (var kept in during.Append(young))
        {
            using var view = JsonDocument.Parse(await api.Client.GetStringAsync(CallPath(kept.SessionId)));
            Assert.Equal(kept.Pushes.Count, view.RootElement.GetProperty("version").GetInt32());
            Assert.Equal(kept.Pushes.Count, changes[kept.SessionId]);
            Assert.Single(await ItemsAsync($"/v1/calls?userData={kept.UserData}"));
        }

        // A push for the removed session starts a new call: nothing of the old one comes back.
        await api.PushAllAsync([old.Pushes[0]]);
        using var fresh = JsonDocument.Parse(await api.Client.GetStringAsync(CallPath(old.SessionId)));
        Assert.Equal(1, fresh.RootElement.GetProperty("version").GetInt32());
    }

    /// <summary>What the store itself must show of the removed call; the API's answers are checked for both stores.</summary>
    protected virtual Task AssertStoredAsync(string removedSessionId, DateTimeOffset removedAt) => Task.CompletedTask;

    private Task<RetentionReport> RunAsync() =>
        api.Services.GetRequiredService<IGrainFactory>().GetGrain<IRetentionJobGrain>(IRetentionJobGrain.Key).RunAsync();

    private async Task<List<JsonElement>> ItemsAsync(string path, bool list = false)
    {
        using var response = await api.Client.GetAsync(path);
        if (list && response.StatusCode == HttpStatusCode.NotFound) return [];
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var items = list ? document.RootElement : document.RootElement.GetProperty("items");
        return [.. items.EnumerateArray().Select(e => e.Clone())];
    }

    private static string CallPath(string sessionId) => $"/v1/calls/{Uri.EscapeDataString(sessionId)}";
}

/// <summary>With retention off (the default) a run removes nothing, however far the clock moves.</summary>
[Collection(ApiCollection.Name)]
public sealed class RetentionOffTests(ApiFixture api)
{
    [Fact]
    public async Task With_retention_off_a_run_removes_nothing()
    {
        var call = await api.PushAllAsync(SampleCall.Load("callback-connected"));
        using (api.Clock.Advance(TimeSpan.FromDays(3650)))
        {
            var report = await api.Services.GetRequiredService<IGrainFactory>().GetGrain<IRetentionJobGrain>(IRetentionJobGrain.Key).RunAsync();
            Assert.False(report.Enabled);
            Assert.Equal(0, report.CallsRemoved);
        }
        Assert.Equal(HttpStatusCode.OK, (await api.Client.GetAsync($"/v1/calls/{Uri.EscapeDataString(call.SessionId)}")).StatusCode);
    }
}
