using System.Text;
using System.Text.Json;
using CallGrains.Domain.Pushes;
using CallGrains.Sessions;
using CallGrains.Storage;
using CallGrains.Tests.Shared;
using Microsoft.Extensions.DependencyInjection;

namespace CallGrains.Api.Tests;

/// <summary>
/// Items journaled without their grain (pending: what the dead-silo fallback and the spool's drainer write) and the
/// grain catching up with them: the view, the calls row and the changes must be those the same pushes make when the
/// grain takes them itself.
/// </summary>
public abstract class CatchUpContract(ApiFixture api)
{
    private IPendingJournal Pending => api.Services.GetRequiredService<IPendingJournal>();

    private ICallSessionGrain Grain(SampleCall call) => api.Services.GetRequiredService<IGrainFactory>().GetCallSession(call.SessionId);

    [Theory]
    [MemberData(nameof(Samples))]
    public async Task Pending_items_caught_up_make_the_view_the_calls_row_and_the_changes_the_pushes_make_directly(string sample)
    {
        var direct = await api.PushAllAsync(SampleCall.Load(sample));
        var pending = SampleCall.Load(sample);
        // Active before the items are journaled, so that it is the catch-up that folds them, not the activation.
        Assert.Null(await Grain(pending).GetViewAsync());
        await JournalPendingAsync(pending.Pushes);

        var folded = await Grain(pending).CatchUpAsync();

        var expected = await OutcomeAsync(direct);
        var actual = await OutcomeAsync(pending);
        // This call folds them all, unless the silo's sweep (every 5 s) found them a moment before it: then none.
        Assert.Contains(folded, new[] { direct.Pushes.Count, 0 });
        Assert.Equal(expected.View, actual.View.Replace(pending.SessionId, direct.SessionId).Replace(pending.UserData, direct.UserData));
        Assert.Equal(expected.Row, actual.Row);
        Assert.Equal(expected.Changes, actual.Changes.Select(c => c.Replace(pending.SessionId, direct.SessionId).Replace(pending.UserData, direct.UserData)));
        Assert.Equal(Enumerable.Range(1, direct.Pushes.Count), actual.Versions);
        Assert.Single(actual.Types, t => t == "call.final");
    }

    [Fact]
    public async Task A_pending_item_the_grain_already_holds_changes_nothing()
    {
        var call = await api.PushAllAsync(SampleCall.Load("callback-connected"));
        var before = await OutcomeAsync(call);

        await JournalPendingAsync(call.Pushes);
        var folded = await Grain(call).CatchUpAsync();

        Assert.Equal(0, folded);
        var after = await OutcomeAsync(call);
        Assert.Equal(before.View, after.View);
        Assert.Equal(before.Changes, after.Changes);
        Assert.Equal(call.Pushes.Count, (await EventsAsync(call)).GetArrayLength());
    }

    [Fact]
    public async Task An_activation_finds_pending_items_and_folds_them()
    {
        var direct = await api.PushAllAsync(SampleCall.Load("notification-collect"));
        var pending = SampleCall.Load("notification-collect");
        await JournalPendingAsync(pending.Pushes);

        // The first read activates the grain: no catch-up asked for.
        var actual = await OutcomeAsync(pending);

        var expected = await OutcomeAsync(direct);
        Assert.Equal(expected.View, actual.View.Replace(pending.SessionId, direct.SessionId).Replace(pending.UserData, direct.UserData));
        Assert.Equal(Enumerable.Range(1, pending.Pushes.Count), actual.Versions);
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public async Task Pushes_split_at_random_between_the_grain_and_pending_shuffled_and_duplicated_give_the_view_of_all_direct(string sample)
    {
        var direct = await api.PushAllAsync(SampleCall.Load(sample));
        var expected = await OutcomeAsync(direct);

        for (var seed = 1; seed <= 6; seed++)
        {
            var random = new Random(seed);
            var call = SampleCall.Load(sample, userData: direct.UserData + "-" + seed);
            foreach (var push in call.Shuffled(seed))
            {
                if (random.Next(2) == 0) await api.PushAllAsync([push]);
                else await JournalPendingAsync([push]);
                // Sometimes the grain catches up between pushes, as a nudge would.
                if (random.Next(4) == 0) await Grain(call).CatchUpAsync();
            }
            await Grain(call).CatchUpAsync();

            var actual = await OutcomeAsync(call);
            Assert.True(Comparable(expected.View, direct) == Comparable(actual.View, call), $"seed {seed}: {actual.View}\nexpected {expected.View}");
            Assert.Equal(Enumerable.Range(1, direct.Pushes.Count), actual.Versions);
            Assert.Single(actual.Types, t => t == "call.final");
            Assert.Equal(direct.Pushes.Count, (await EventsAsync(call)).GetArrayLength());
        }
    }

    public static TheoryData<string> Samples() => [.. SampleCall.Names];

    /// <summary>Journals the pushes' items as pending, as a node does whose grain call failed: received now, keyed as the grain keys them.</summary>
    private async Task JournalPendingAsync(IEnumerable<string> pushes)
    {
        foreach (var push in pushes)
        {
            var parsed = PushEnvelope.Parse(Encoding.UTF8.GetBytes(push), api.Clock.GetUtcNow());
            Assert.True(parsed.Accepted, parsed.Rejection);
            await Pending.AppendPendingAsync(parsed.Items!);
        }
    }

    /// <summary>The call as readers see it: its view and calls row without updatedAt (arrival time), its changes' views likewise.</summary>
    private async Task<Outcome> OutcomeAsync(SampleCall call)
    {
        var id = Uri.EscapeDataString(call.SessionId);
        using var view = JsonDocument.Parse(await api.Client.GetStringAsync($"/v1/calls/{id}"));
        using var list = JsonDocument.Parse(await api.Client.GetStringAsync($"/v1/calls?userData={Uri.EscapeDataString(call.UserData)}"));
        var row = Assert.Single(list.RootElement.GetProperty("items").EnumerateArray());
        var changes = new List<JsonElement>();
        using var page = JsonDocument.Parse(await api.Client.GetStringAsync($"/v1/changes?userData={Uri.EscapeDataString(call.UserData)}&limit=500"));
        changes.AddRange(page.RootElement.GetProperty("items").EnumerateArray().Select(c => c.Clone()));
        return new Outcome(
            WithoutTimes(view.RootElement),
            $"{row.GetProperty("status")}|{row.GetProperty("outcome")}|{row.GetProperty("final")}|{row.GetProperty("version")}",
            [.. changes.Select(c => $"{c.GetProperty("type")}|{c.GetProperty("version")}|{WithoutTimes(c.GetProperty("call"))}")],
            [.. changes.Select(c => c.GetProperty("version").GetInt32())],
            [.. changes.Select(c => c.GetProperty("type").GetString()!)]);
    }

    private async Task<JsonElement> EventsAsync(SampleCall call)
    {
        using var events = JsonDocument.Parse(await api.Client.GetStringAsync($"/v1/calls/{Uri.EscapeDataString(call.SessionId)}/events"));
        return events.RootElement.Clone();
    }

    /// <summary>A view's JSON without the times that depend on when and where items arrived.</summary>
    private static string WithoutTimes(JsonElement view) =>
        JsonSerializer.Serialize(view.EnumerateObject().Where(p => p.Name is not ("updatedAt" or "stuck" or "request"))
            .ToDictionary(p => p.Name, p => p.Value));

    private static string Comparable(string view, SampleCall call) =>
        view.Replace(call.SessionId, "SESSION", StringComparison.Ordinal).Replace(call.UserData, "USERDATA", StringComparison.Ordinal);

    private sealed record Outcome(string View, string Row, IReadOnlyList<string> Changes, IReadOnlyList<int> Versions, IReadOnlyList<string> Types);
}

[Collection(ApiCollection.Name)]
public sealed class CatchUpTests(ApiFixture api) : CatchUpContract(api);

[Collection(PostgresApiCollection.Name)]
public sealed class CatchUpTestsOnPostgres(PostgresApiFixture api) : CatchUpContract(api);
