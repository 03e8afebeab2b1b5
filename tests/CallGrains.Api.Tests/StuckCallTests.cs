using System.Net;
using System.Text.Json;
using CallGrains.Tests.Shared;

namespace CallGrains.Api.Tests;

/// <summary>
/// Calls that went quiet: flagged in the view and listable, after deadlines that follow the platform (a CDR
/// is re-sent at most six times, an hour apart). Hours pass on the fixture's movable service clock.
/// </summary>
public abstract class StuckCallContract(ApiFixture api)
{
    private static readonly TimeSpan JustBeforeCdrDeadline = TimeSpan.FromHours(6.5) - TimeSpan.FromMinutes(1);
    private static readonly TimeSpan JustAfterCdrDeadline = TimeSpan.FromHours(6.5) + TimeSpan.FromMinutes(1);

    [Fact]
    public async Task An_ended_call_without_cdr_is_cdr_overdue_only_after_the_platforms_last_resend()
    {
        var call = SampleCall.Load("callback-connected");
        await api.PushAllAsync(call.Pushes.Where(p => !IsFee(p)));

        Assert.False((await ViewAsync(call)).CdrOverdue);
        using (api.Clock.Advance(JustBeforeCdrDeadline))
            Assert.False((await ViewAsync(call)).CdrOverdue);
        using (api.Clock.Advance(JustAfterCdrDeadline))
        {
            var view = await ViewAsync(call);
            Assert.True(view.CdrOverdue);
            Assert.False(view.Stale);
            Assert.Contains(call.SessionId, await ListedAsync(call, "cdr-overdue"));
            Assert.DoesNotContain(call.SessionId, await ListedAsync(call, "stale"));
        }
    }

    [Fact]
    public async Task A_late_cdr_clears_cdr_overdue()
    {
        var call = SampleCall.Load("callback-connected");
        await api.PushAllAsync(call.Pushes.Where(p => !IsFee(p)));

        using (api.Clock.Advance(JustAfterCdrDeadline))
        {
            Assert.True((await ViewAsync(call)).CdrOverdue);
            await api.PushAllAsync(call.Pushes.Where(IsFee));

            var view = await ViewAsync(call);
            Assert.True(view.Final);
            Assert.False(view.CdrOverdue);
            Assert.DoesNotContain(call.SessionId, await ListedAsync(call, "cdr-overdue"));
        }
    }

    [Fact]
    public async Task A_call_in_progress_that_went_silent_is_stale_after_the_configured_time_and_not_before()
    {
        var call = SampleCall.Load("callback-connected");
        await api.PushAllAsync(call.Pushes.Take(3)); // A dialled, ringing, answered; nothing after

        using (api.Clock.Advance(TimeSpan.FromMinutes(119)))
            Assert.False((await ViewAsync(call)).Stale);
        using (api.Clock.Advance(TimeSpan.FromMinutes(121)))
        {
            var view = await ViewAsync(call);
            Assert.True(view.Stale);
            Assert.False(view.CdrOverdue);
            Assert.Contains(call.SessionId, await ListedAsync(call, "stale"));
            Assert.DoesNotContain(call.SessionId, await ListedAsync(call, "cdr-overdue"));
        }
    }

    [Fact]
    public async Task A_stale_call_is_no_longer_stale_once_a_push_arrives()
    {
        var call = SampleCall.Load("callback-connected");
        await api.PushAllAsync(call.Pushes.Take(3));

        using (api.Clock.Advance(TimeSpan.FromHours(3)))
        {
            Assert.True((await ViewAsync(call)).Stale);
            await api.PushAllAsync(call.Pushes.Skip(3).Take(1));

            Assert.False((await ViewAsync(call)).Stale);
            Assert.DoesNotContain(call.SessionId, await ListedAsync(call, "stale"));
        }
    }

    [Fact]
    public async Task A_finished_call_is_never_stuck_however_old()
    {
        var call = SampleCall.Load("verification-code");
        await api.PushAllAsync(call.Pushes);

        using (api.Clock.Advance(TimeSpan.FromDays(30)))
        {
            var view = await ViewAsync(call);
            Assert.True(view.Final);
            Assert.False(view.CdrOverdue);
            Assert.False(view.Stale);
            Assert.Empty(await ListedAsync(call, "cdr-overdue"));
            Assert.Empty(await ListedAsync(call, "stale"));
        }
    }

    [Fact]
    public async Task An_unknown_stuck_filter_is_a_400_problem()
    {
        using var response = await api.Client.GetAsync("/v1/calls?stuck=forever");

        await ProblemResponse.AssertAsync(response, HttpStatusCode.BadRequest);
    }

    private static bool IsFee(string push) => push.Contains("\"feeLst\"", StringComparison.Ordinal);

    private async Task<(bool CdrOverdue, bool Stale, bool Final)> ViewAsync(SampleCall call)
    {
        using var view = JsonDocument.Parse(await api.Client.GetStringAsync($"/v1/calls/{Uri.EscapeDataString(call.SessionId)}"));
        var root = view.RootElement;
        return (root.GetProperty("cdrOverdue").GetBoolean(), root.GetProperty("stale").GetBoolean(), root.GetProperty("final").GetBoolean());
    }

    private async Task<IReadOnlyList<string>> ListedAsync(SampleCall call, string stuck)
    {
        using var list = JsonDocument.Parse(await api.Client.GetStringAsync(
            $"/v1/calls?stuck={stuck}&userData={Uri.EscapeDataString(call.UserData)}"));
        var items = list.RootElement.GetProperty("items");
        foreach (var item in items.EnumerateArray())
            Assert.Equal(stuck == "stale", item.GetProperty("stale").GetBoolean());
        return [.. items.EnumerateArray().Select(i => i.GetProperty("sessionId").GetString()!)];
    }
}

[Collection(ApiCollection.Name)]
public sealed class StuckCallTests(ApiFixture api) : StuckCallContract(api);

[Collection(PostgresApiCollection.Name)]
public sealed class StuckCallTestsOnPostgres(PostgresApiFixture api) : StuckCallContract(api);
