using System.Text;
using System.Text.Json;
using CallGrains.Domain.Calls;
using CallGrains.Domain.Pushes;
using CallGrains.Reprojection;
using CallGrains.Sessions;
using CallGrains.Silo;
using CallGrains.Storage;
using CallGrains.Storage.InMemory;
using CallGrains.Tests.Shared;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Orleans.Core.Internal;

namespace CallGrains.Api.Tests;

/// <summary>
/// Re-derivation after an upgrade of the fold, as a deployment sees it: rows an older fold wrote (<see cref="OldFold"/>:
/// an old rule over the same journal) are re-derived by the cluster's job while the service runs, and the API's views,
/// lists and feed say what the current fold says. Each test reads only its own calls (by userData); the job is asked to
/// walk again until they are done, because a walk under way when they were stored may have passed them.
/// </summary>
public abstract class ReprojectionContract(ApiFixture api)
{
    private static readonly TimeSpan JobDeadline = TimeSpan.FromSeconds(90);

    /// <summary>An old rule that stopped at the answer: the call never ended, in the old fold's rows.</summary>
    private static CallView StillAnswered(CallView view) => view with { Status = CallStatus.Answered, Final = false, Outcome = null };

    [Fact]
    public async Task The_job_rewrites_every_stored_call_an_older_fold_wrote_and_lists_filter_by_the_new_values()
    {
        var missed = await StoreOldAsync(SampleCall.Load("callback-connected"), OldFold.MissedTheAnswer);
        var unfinished = await StoreOldAsync(SampleCall.Load("notification-collect"), StillAnswered);
        var unchanged = await StoreOldAsync(SampleCall.Load("verification-code"), view => view);
        Assert.Contains(missed.SessionId, await ListedAsync(missed, "outcome=failed"));
        Assert.Contains(unfinished.SessionId, await ListedAsync(unfinished, "status=answered"));

        await ReprojectAsync(missed, unfinished, unchanged);

        Assert.Contains(missed.SessionId, await ListedAsync(missed, "outcome=answered"));
        Assert.DoesNotContain(missed.SessionId, await ListedAsync(missed, "outcome=failed"));
        Assert.Contains(unfinished.SessionId, await ListedAsync(unfinished, "status=ended"));
        Assert.DoesNotContain(unfinished.SessionId, await ListedAsync(unfinished, "status=answered"));
        foreach (var old in new[] { missed, unfinished })
        {
            using var view = await ViewAsync(old);
            Assert.Equal(old.StoredVersion + 1, view.RootElement.GetProperty("version").GetInt32());
            Assert.Equal("ended", view.RootElement.GetProperty("status").GetString());
            Assert.Equal("answered", view.RootElement.GetProperty("outcome").GetString());
            // The re-derived view is a version of its own in the feed: readers following versions see it.
            var last = (await ChangesAsync(old))[^1];
            Assert.Equal(old.StoredVersion + 1, last.GetProperty("version").GetInt32());
            Assert.Equal("answered", last.GetProperty("call").GetProperty("outcome").GetString());
        }
        // Only the fold version of a view that comes out the same is recorded: same version, no change.
        var same = await Stored.ReadAsync(unchanged.SessionId);
        Assert.Equal((unchanged.StoredVersion, unchanged.StoredJson), (same!.Version, same.ViewJson));
        Assert.Equal(unchanged.StoredVersion, (await ChangesAsync(unchanged)).Count);
    }

    [Fact]
    public async Task Ingest_running_meanwhile_loses_nothing_and_each_version_is_made_once()
    {
        var calls = Enumerable.Range(0, 24).Select(i => SampleCall.Load(SampleCall.Names[i % SampleCall.Names.Count])).ToList();
        var olds = await Task.WhenAll(calls.Select(call => StoreOldAsync(call, OldFold.MissedTheAnswer, pushes: 3)));

        var job = ReprojectAsync(olds);
        // All of each call's pushes, repeated: those the old fold journaled are duplicates under the identity read from their bodies.
        await Task.WhenAll(calls.Select(async (call, i) => await api.PushAllAsync(call.Shuffled(i))));
        await job;

        foreach (var (call, old) in calls.Zip(olds))
        {
            var items = call.Pushes.Sum(p => PushEnvelope.Parse(Encoding.UTF8.GetBytes(p), DateTimeOffset.UtcNow).Items!.Count);
            using var view = await ViewAsync(old);
            // Every item once, and one version for the re-derivation, whether the job or a push's activation made it.
            Assert.Equal(items + 1, view.RootElement.GetProperty("version").GetInt32());
            Assert.Equal(("ended", true, "answered"), (view.RootElement.GetProperty("status").GetString(),
                view.RootElement.GetProperty("final").GetBoolean(), view.RootElement.GetProperty("outcome").GetString()));
            using var events = JsonDocument.Parse(await api.Client.GetStringAsync($"/v1/calls/{Uri.EscapeDataString(old.SessionId)}/events"));
            Assert.Equal(items, events.RootElement.GetArrayLength());
            Assert.Equal(Enumerable.Range(1, items + 1), (await ChangesAsync(old)).Select(c => c.GetProperty("version").GetInt32()));
            var stored = await Stored.ReadAsync(old.SessionId);
            Assert.Equal((items + 1, CallFold.Version), (stored!.Version, stored.FoldVersion));
        }
    }

    [Fact]
    public async Task Reprojecting_twice_gives_byte_identical_projections()
    {
        var olds = await Task.WhenAll(SampleCall.Names.Select(name =>
            StoreOldAsync(SampleCall.Load(name), OldFold.MissedTheAnswer, storedTwice: 1)));
        await ReprojectAsync(olds);
        var first = await Task.WhenAll(olds.Select(old => Stored.ReadAsync(old.SessionId)));
        Assert.All(olds.Zip(first), pair => Assert.Equal(pair.First.CurrentJson(pair.First.StoredVersion + 1), pair.Second!.ViewJson));

        // As if an older fold had written them again: the same bytes, marked unknown, and no grain holding them.
        await MarkUnknownAsync(olds);
        var changes = await Task.WhenAll(olds.Select(ChangesAsync));
        await ReprojectAsync(olds);

        Assert.Equal(first, await Task.WhenAll(olds.Select(old => Stored.ReadAsync(old.SessionId))));
        Assert.Equal(changes.Select(c => c.Count), (await Task.WhenAll(olds.Select(ChangesAsync))).Select(c => c.Count));
    }

    private IStoredViews Stored => api.Services.GetRequiredService<IStoredViews>();

    private IGrainFactory Grains => api.Services.GetRequiredService<IGrainFactory>();

    private Task<OldCall> StoreOldAsync(SampleCall call, Func<CallView, CallView> oldRule, int pushes = int.MaxValue, int? storedTwice = null) =>
        OldFold.StoreAsync(api.Services.GetRequiredService<IPushJournal>(), call, oldRule,
            WholeMilliseconds(api.Clock.GetUtcNow()), pushes, storedTwice);

    /// <summary>Asks the job to walk until every one of <paramref name="olds"/> has a row of the current fold.</summary>
    private async Task ReprojectAsync(params OldCall[] olds)
    {
        var job = Grains.GetGrain<IReprojectionGrain>(IReprojectionGrain.Key);
        var deadline = DateTimeOffset.UtcNow + JobDeadline;
        while (true)
        {
            await job.StartAsync();
            var rows = await Task.WhenAll(olds.Select(old => Stored.ReadAsync(old.SessionId)));
            if (rows.All(r => r?.FoldVersion == CallFold.Version)) return;
            Assert.True(DateTimeOffset.UtcNow < deadline, $"The job left {rows.Count(r => r?.FoldVersion != CallFold.Version)} calls stale.");
            await Task.Delay(100);
        }
    }

    private async Task MarkUnknownAsync(IReadOnlyList<OldCall> olds)
    {
        foreach (var old in olds)
            await Grains.GetCallSession(old.SessionId).Cast<IGrainManagementExtension>().DeactivateOnIdle();
        var connectionString = api.Services.GetRequiredService<IConfiguration>().GetConnectionString("CallGrains");
        if (connectionString is null)
        {
            // In memory there is no SQL: the row is rewritten with its own bytes (and version), marked unknown.
            var store = api.Services.GetRequiredService<InMemoryStore>();
            foreach (var old in olds)
            {
                var row = (await store.ListAsync(new CallQuery(UserData: old.CurrentView.UserData))).Items.Single(r => r.SessionId == old.SessionId);
                Assert.True(await store.RewriteAsync(row with { FoldVersion = 0 }, row.Version, "call.updated"));
            }
            return;
        }
        await using var source = NpgsqlDataSource.Create(connectionString);
        await using var command = source.CreateCommand("UPDATE callgrains_calls SET fold_version = 0 WHERE session_id = ANY($1)");
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. olds.Select(o => o.SessionId)] });
        Assert.Equal(olds.Count, await command.ExecuteNonQueryAsync());
    }

    private async Task<IReadOnlyList<string>> ListedAsync(OldCall old, string filter)
    {
        using var page = JsonDocument.Parse(await api.Client.GetStringAsync(
            $"/v1/calls?userData={Uri.EscapeDataString(old.CurrentView.UserData!)}&{filter}"));
        return [.. page.RootElement.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("sessionId").GetString()!)];
    }

    private async Task<JsonDocument> ViewAsync(OldCall old) =>
        JsonDocument.Parse(await api.Client.GetStringAsync($"/v1/calls/{Uri.EscapeDataString(old.SessionId)}"));

    private async Task<IReadOnlyList<JsonElement>> ChangesAsync(OldCall old)
    {
        using var page = JsonDocument.Parse(await api.Client.GetStringAsync(
            $"/v1/changes?userData={Uri.EscapeDataString(old.CurrentView.UserData!)}&limit=500"));
        return [.. page.RootElement.GetProperty("items").EnumerateArray().Select(c => c.Clone())];
    }

    private static DateTimeOffset WholeMilliseconds(DateTimeOffset at) => new(at.Ticks / TimeSpan.TicksPerMillisecond * TimeSpan.TicksPerMillisecond, TimeSpan.Zero);
}

[Collection(ApiCollection.Name)]
public sealed class ReprojectionTests(ApiFixture api) : ReprojectionContract(api);

[Collection(PostgresApiCollection.Name)]
public sealed class ReprojectionTestsOnPostgres(PostgresApiFixture api) : ReprojectionContract(api);

/// <summary><c>CallGrains.Silo reproject</c> against a running node on PostgreSQL: a client of its cluster, with progress.</summary>
[Collection(PostgresApiCollection.Name)]
public sealed class ReprojectCommandTests(PostgresApiFixture api)
{
    [Fact]
    public async Task The_reproject_command_prints_progress_and_a_summary_and_leaves_no_call_stale()
    {
        var at = new DateTimeOffset(api.Clock.GetUtcNow().Ticks / TimeSpan.TicksPerSecond * TimeSpan.TicksPerSecond, TimeSpan.Zero);
        var olds = await Task.WhenAll(Enumerable.Range(0, 5).Select(i => OldFold.StoreAsync(
            api.Services.GetRequiredService<IPushJournal>(), SampleCall.Load(SampleCall.Names[i % 3]), OldFold.MissedTheAnswer, at)));
        var configuration = api.Services.GetRequiredService<IConfiguration>();
        var output = new StringWriter();

        var exitCode = await ReprojectCommand.RunAsync(
        [
            $"--ConnectionStrings:CallGrains={configuration.GetConnectionString("CallGrains")}",
            $"--CallGrains:Cluster:ClusterId={configuration["CallGrains:Cluster:ClusterId"]}",
            $"--CallGrains:Cluster:ServiceId={configuration["CallGrains:Cluster:ServiceId"]}",
            "--CallGrains:Reprojection:PageSize=2",
        ], output);

        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(exitCode == 0, output.ToString());
        Assert.Matches(@"^reproject: \d+ calls were written by a fold older than version \d+", lines[0]);
        Assert.Contains(lines, l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^reproject: \d+/\d+ calls \(\d+\.\d %\), \d+ calls/s: \d+ rewritten, \d+ unchanged, 0 failed"));
        Assert.Matches(@"^reproject: done in \d+\.\d s \(\d+ calls/s\): \d+ calls asked, .* 0 failed; fold version \d+", lines[^1]);
        var stores = api.Services.GetRequiredService<IStoredViews>();
        foreach (var old in olds)
        {
            var stored = await stores.ReadAsync(old.SessionId);
            Assert.Equal((CallFold.Version, old.CurrentJson(old.StoredVersion + 1)), (stored!.FoldVersion, stored.ViewJson));
        }
    }
}
