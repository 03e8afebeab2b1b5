using CallGrains.Domain.Calls;
using static CallGrains.Domain.Tests.Given;

namespace CallGrains.Domain.Tests;

/// <summary>Platform times are UTC text with stray spaces; what cannot be read is a problem, never an exception.</summary>
public sealed class TimeParsingTests
{
    [Theory]
    [InlineData("2019-01-24 03:04:24")]
    [InlineData("2019-01-24  03:04:24")]
    [InlineData("2019-01-24 \t 03:04:24")]
    [InlineData(" 2019-01-24 03:04:24 ")]
    [InlineData("2019-01-24T03:04:24")]
    [InlineData("2019-01-24T03:04:24Z")]
    [InlineData("2019-01-24T03:04:24.000Z")]
    public void Times_are_read_as_utc_whatever_the_spacing(string text)
    {
        var view = Fold(Status("callout", $"\"timestamp\":\"{text.Replace("\t", "\\t", StringComparison.Ordinal)}\",\"called\":\"{A}\""));

        var dialedAt = view.Legs[0].DialedAt!.Value;
        Assert.Equal(Utc("2019-01-24T03:04:24"), dialedAt);
        Assert.Equal(TimeSpan.Zero, dialedAt.Offset);
        Assert.Empty(view.Problems);
    }

    [Theory]
    [InlineData("\"\"")]
    [InlineData("\"   \"")]
    [InlineData("null")]
    public void An_empty_time_means_it_did_not_happen(string value)
    {
        var view = Fold(Cdr($"\"calleeNum\":\"{A}\",\"callEndTime\":\"2019-01-24 03:04:40\",\"recordStartTime\":{value}"));

        Assert.Null(view.Cdr!.RecordStartTime);
        Assert.Empty(view.Problems);
    }

    [Fact]
    public void An_absent_timestamp_leaves_the_stage_time_unknown_but_still_moves_the_stage()
    {
        var view = Fold(Status("answer", $"\"called\":\"{A}\""));

        Assert.Equal(CallStatus.Answered, view.Status);
        Assert.Null(view.Legs[0].AnsweredAt);
        Assert.Empty(view.Problems);
    }

    [Theory]
    [InlineData("\"2019-13-45 99:00:00\"", "callEndTime: '2019-13-45 99:00:00' is not a time")]
    [InlineData("\"2019-02-30 10:00:00\"", "callEndTime: '2019-02-30 10:00:00' is not a time")]
    [InlineData("\"0000-01-01 00:00:00\"", "callEndTime: '0000-01-01 00:00:00' is not a time")]
    [InlineData("\"2019-01-24 03:04\"", "callEndTime: '2019-01-24 03:04' is not a time")]
    [InlineData("\"2019-01-24 03:04:40+08:00\"", "callEndTime: '2019-01-24 03:04:40+08:00' is not a time")]
    [InlineData("\"yesterday\"", "callEndTime: 'yesterday' is not a time")]
    [InlineData("12345", "callEndTime: '12345' is not a time")]
    [InlineData("true", "callEndTime: 'true' is not a time")]
    [InlineData("{\"at\":1}", "callEndTime: '{\"at\":1}' is not a time")]
    public void An_unreadable_time_is_a_problem_and_the_call_still_ends(string value, string problem)
    {
        var view = Fold(Cdr($"\"calleeNum\":\"{A}\",\"callEndTime\":{value}"));

        Assert.Equal([problem], view.Problems);
        Assert.Null(view.Cdr!.CallEndTime);
        Assert.Equal(CallStatus.Ended, view.Status);
    }

    [Fact]
    public void An_unreadable_status_timestamp_is_a_problem_and_the_event_still_counts()
    {
        var view = Fold(Status("alerting", $"\"timestamp\":\"soon\",\"called\":\"{A}\""));

        Assert.Equal(["timestamp: 'soon' is not a time"], view.Problems);
        Assert.Equal(CallStatus.Ringing, view.Status);
    }

    [Fact]
    public void A_negative_talk_time_is_a_problem_not_a_number()
    {
        var view = Fold(Cdr($"\"calleeNum\":\"{A}\",\"serviceType\":\"001\",\"callOutAnswerTime\":\"2019-01-24 03:05:00\",\"callEndTime\":\"2019-01-24 03:04:00\""));

        Assert.Null(view.TalkSeconds);
        Assert.Null(view.BillableMinutes);
        Assert.Equal(["talkSeconds: the answer at 2019-01-24 03:05:00 is not before the end at 2019-01-24 03:04:00"], view.Problems);
        Assert.Equal(CallOutcome.Answered, view.Outcome);
    }

    [Theory]
    [InlineData("2019-01-24 03:04:38", "2019-01-24 03:04:38", 0, 0)]
    [InlineData("2019-01-24 03:04:38", "2019-01-24 03:05:38", 60, 1)]
    [InlineData("2019-01-24 03:04:38", "2019-01-24 03:05:39", 61, 2)]
    [InlineData("2019-01-24 03:04:38", "2019-01-25 03:04:38", 86400, 1440)]
    public void Billable_minutes_count_every_started_minute(string answeredAt, string endedAt, int seconds, int minutes)
    {
        var view = Fold(Cdr($"\"calleeNum\":\"{A}\",\"fwdDstNum\":\"{B}\",\"serviceType\":\"002\",\"fwdAnswerTime\":\"{answeredAt}\",\"callEndTime\":\"{endedAt}\""));

        Assert.Equal(seconds, view.TalkSeconds);
        Assert.Equal(minutes, view.BillableMinutes);
    }
}
