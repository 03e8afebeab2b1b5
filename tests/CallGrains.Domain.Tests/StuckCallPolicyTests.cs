using CallGrains.Domain.Calls;

namespace CallGrains.Domain.Tests;

public sealed class StuckCallPolicyTests
{
    private static readonly DateTimeOffset LastPush = new(2026, 11, 25, 8, 0, 0, TimeSpan.Zero);
    private static readonly StuckCallPolicy Policy = StuckCallPolicy.Default;

    [Fact]
    public void The_default_cdr_window_outlasts_six_hourly_resends() =>
        Assert.True(Policy.CdrOverdueAfter > TimeSpan.FromHours(6));

    [Theory]
    [InlineData(389, false)]
    [InlineData(390, true)]
    [InlineData(10_000, true)]
    public void An_ended_call_without_cdr_is_overdue_from_the_deadline_on(int minutesLater, bool overdue) =>
        Assert.Equal(overdue, Policy.IsCdrOverdue(CallStatus.Ended, final: false, LastPush, LastPush.AddMinutes(minutesLater)));

    [Theory]
    [InlineData(CallStatus.Dialing)]
    [InlineData(CallStatus.Ringing)]
    [InlineData(CallStatus.Answered)]
    public void A_call_still_in_progress_is_never_cdr_overdue_but_goes_stale(CallStatus status)
    {
        var muchLater = LastPush.AddDays(2);
        Assert.False(Policy.IsCdrOverdue(status, final: false, LastPush, muchLater));
        Assert.True(Policy.IsStale(status, LastPush, muchLater));
        Assert.False(Policy.IsStale(status, LastPush, LastPush.AddMinutes(119)));
    }

    [Fact]
    public void A_call_with_its_cdr_is_never_stuck()
    {
        var muchLater = LastPush.AddDays(30);
        Assert.False(Policy.IsCdrOverdue(CallStatus.Ended, final: true, LastPush, muchLater));
        Assert.False(Policy.IsStale(CallStatus.Ended, LastPush, muchLater));
    }

    [Fact]
    public void Flags_are_laid_over_a_view_without_changing_anything_else()
    {
        var view = Given.Fold([], "s-1") with { UpdatedAt = LastPush };

        var flagged = Policy.Flag(view, LastPush.AddHours(3));

        Assert.True(flagged.Stale);
        Assert.Equal(view with { Stale = true }, flagged);
    }
}
