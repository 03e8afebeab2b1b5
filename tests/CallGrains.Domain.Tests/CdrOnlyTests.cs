using CallGrains.Domain.Calls;
using static CallGrains.Domain.Tests.Given;

namespace CallGrains.Domain.Tests;

/// <summary>Status pushes are never re-sent and may all be lost: a CDR alone must finish a call, legs and all.</summary>
public sealed class CdrOnlyTests
{
    private const string ConnectedCallback = $$"""
        "calleeNum":"{{A}}","fwdDstNum":"{{B}}","serviceType":"002","callerNum":"+8613800000022",
        "callOutStartTime":"2019-01-24 03:04:24","callOutAlertingTime":"2019-01-24 03:04:27","callOutAnswerTime":"2019-01-24 03:04:31",
        "fwdStartTime":"2019-01-24 03:04:31","fwdAlertingTime":"2019-01-24 03:04:36","fwdAnswerTime":"2019-01-24 03:04:38",
        "callEndTime":"2019-01-24 03:06:49","callOutUnaswRsn":0,"fwdUnaswRsn":0,"ulFailReason":0,"sipStatusCode":0,"userData":"order-7"
        """;

    [Fact]
    public void A_cdr_alone_finishes_a_callback_with_both_legs_and_their_times()
    {
        var view = Fold(Cdr(ConnectedCallback));

        Assert.Equal(CallStatus.Ended, view.Status);
        Assert.True(view.Final);
        Assert.Equal(CallScenario.Callback, view.Scenario);
        Assert.Equal(CallOutcome.Answered, view.Outcome);
        Assert.Equal(
            [
                new CallLeg(A, Utc("2019-01-24T03:04:24"), Utc("2019-01-24T03:04:27"), Utc("2019-01-24T03:04:31"), Utc("2019-01-24T03:06:49"), null),
                new CallLeg(B, Utc("2019-01-24T03:04:31"), Utc("2019-01-24T03:04:36"), Utc("2019-01-24T03:04:38"), Utc("2019-01-24T03:06:49"), null),
            ],
            view.Legs);
        Assert.Equal(131, view.TalkSeconds);
        Assert.Equal(3, view.BillableMinutes);
        Assert.Equal("order-7", view.UserData);
        Assert.Equal("+8613800000022", view.Caller);
        Assert.Null(view.Hangup);
        Assert.Empty(view.Digits);
        Assert.Equal(1, view.Version);
    }

    [Fact]
    public void A_cdr_alone_finishes_a_verification_call_with_its_one_leg()
    {
        var view = Fold(Cdr($"\"calleeNum\":\"{A}\",\"serviceType\":\"001\",\"callOutStartTime\":\"2016-12-28 10:27:43\",\"callOutAnswerTime\":\"2016-12-28 10:27:52\",\"callEndTime\":\"2016-12-28 10:28:10\",\"fwdUnaswRsn\":0,\"ttsPlayTimes\":0"));

        Assert.Equal(CallScenario.Verification, view.Scenario);
        Assert.Equal(CallOutcome.Answered, view.Outcome);
        Assert.Equal(new CallLeg(A, Utc("2016-12-28T10:27:43"), null, Utc("2016-12-28T10:27:52"), Utc("2016-12-28T10:28:10"), null), Assert.Single(view.Legs));
        Assert.Equal(18, view.TalkSeconds);
    }

    [Fact]
    public void A_cdr_only_notification_falls_back_to_the_ivr_path_for_its_digits()
    {
        var view = Fold(Cdr($"\"calleeNum\":\"{A}\",\"serviceType\":\"001\",\"callOutAnswerTime\":\"2019-01-24 03:04:31\",\"callEndTime\":\"2019-01-24 03:04:40\",\"dynIVRPath\":\"1-3\""));

        Assert.Equal(CallScenario.Notification, view.Scenario);
        Assert.Equal(["1", "3"], view.Digits);
    }

    [Theory]
    [InlineData("\"ttsPlayTimes\":1", CallScenario.Notification)]
    [InlineData("\"ttsPlayTimes\":\"2\"", CallScenario.Notification)]
    [InlineData("\"dynIVRStartTime\":\"2019-01-24 03:04:33\"", CallScenario.Notification)]
    [InlineData("\"ttsPlayTimes\":0", CallScenario.Verification)]
    [InlineData("\"ttsPlayTimes\":0,\"fwdUnaswRsn\":0,\"dynIVRPath\":\"\"", CallScenario.Verification)]
    public void A_001_cdr_is_a_notification_when_it_played_or_collected_and_a_verification_otherwise(string fields, CallScenario scenario)
    {
        var view = Fold(Cdr($"\"calleeNum\":\"{A}\",\"serviceType\":\"001\",\"callEndTime\":\"2019-01-24 03:04:40\",{fields}"));

        Assert.Equal(scenario, view.Scenario);
    }

    [Theory]
    [InlineData("\"serviceType\":\"002\"")]
    [InlineData("\"serviceType\":2")]
    [InlineData("\"fwdDstNum\":\"+8613800007021\"")]
    [InlineData("\"fwdStartTime\":\"2019-01-24 03:04:31\"")]
    [InlineData("\"fwdUnaswRsn\":17")]
    public void A_cdr_with_a_second_leg_or_the_callback_service_type_is_a_callback(string fields)
    {
        var view = Fold(Cdr($"\"calleeNum\":\"{A}\",\"callEndTime\":\"2019-01-24 03:04:40\",{fields}"));

        Assert.Equal(CallScenario.Callback, view.Scenario);
    }

    [Theory]
    [InlineData("\"callOutUnaswRsn\":17", CallOutcome.Busy)]
    [InlineData("\"callOutUnaswRsn\":19", CallOutcome.NoAnswer)]
    [InlineData("\"callOutUnaswRsn\":16", CallOutcome.NoAnswer)]
    [InlineData("\"callOutUnaswRsn\":1", CallOutcome.InvalidNumber)]
    [InlineData("\"callOutUnaswRsn\":\"20\"", CallOutcome.Unreachable)]
    [InlineData("\"callOutUnaswRsn\":21", CallOutcome.Rejected)]
    [InlineData("\"callOutUnaswRsn\":99", CallOutcome.Failed)]
    [InlineData("\"ulFailReason\":514", CallOutcome.NoAnswer)]
    [InlineData("\"ulFailReason\":521", CallOutcome.Unreachable)]
    [InlineData("\"ulFailReason\":518,\"callOutUnaswRsn\":21", CallOutcome.Rejected)]
    [InlineData("\"ulFailReason\":518,\"sipStatusCode\":486", CallOutcome.Busy)]
    [InlineData("\"ulFailReason\":404", CallOutcome.InvalidNumber)]
    [InlineData("\"sipStatusCode\":486", CallOutcome.Busy)]
    [InlineData("\"sipStatusCode\":603", CallOutcome.Rejected)]
    [InlineData("\"sipStatusCode\":200", CallOutcome.Failed)]
    [InlineData("\"callOutUnaswRsn\":17,\"ulFailReason\":514,\"sipStatusCode\":603", CallOutcome.Busy)]
    [InlineData("\"ulFailReason\":514,\"sipStatusCode\":603", CallOutcome.NoAnswer)]
    [InlineData("\"callOutAlertingTime\":\"2019-01-24 03:04:30\"", CallOutcome.NoAnswer)]
    [InlineData("\"callOutUnaswRsn\":0,\"ulFailReason\":0,\"sipStatusCode\":0", CallOutcome.Failed)]
    public void The_cdrs_causes_decide_an_unanswered_calls_outcome_most_specific_first(string causes, CallOutcome outcome)
    {
        var view = Fold(Cdr($"\"calleeNum\":\"{A}\",\"serviceType\":\"001\",\"callOutStartTime\":\"2019-01-24 03:04:24\",\"callEndTime\":\"2019-01-24 03:04:40\",{causes}"));

        Assert.Equal(outcome, view.Outcome);
        Assert.Null(view.TalkSeconds);
        Assert.Null(view.BillableMinutes);
    }

    [Fact]
    public void An_unanswered_leg_carries_its_q850_cause_with_its_meaning()
    {
        var view = Fold(Cdr($"\"calleeNum\":\"{A}\",\"serviceType\":\"001\",\"callEndTime\":\"2019-01-24 03:04:40\",\"callOutUnaswRsn\":17"));

        Assert.Equal(new CodeMeaning(17, "user busy"), Assert.Single(view.Legs).FailureCause);
    }

    [Fact]
    public void A_callback_whose_A_never_answers_fails_on_A()
    {
        var view = Fold(Cdr($"\"calleeNum\":\"{A}\",\"fwdDstNum\":\"{B}\",\"serviceType\":\"002\",\"callOutStartTime\":\"2019-01-24 03:04:24\",\"callEndTime\":\"2019-01-24 03:04:35\",\"callOutUnaswRsn\":20,\"fwdUnaswRsn\":0"));

        Assert.Equal(CallOutcome.Unreachable, view.Outcome);
        Assert.Equal(new CodeMeaning(20, "subscriber absent"), view.Legs[0].FailureCause);
        Assert.Null(view.Legs[1].FailureCause);
        Assert.Null(view.Legs[1].DialedAt);
    }

    [Fact]
    public void A_callback_whose_B_is_busy_carries_the_q850_cause_on_B()
    {
        var view = Fold(Cdr($"\"calleeNum\":\"{A}\",\"fwdDstNum\":\"{B}\",\"serviceType\":\"002\",\"callOutAnswerTime\":\"2019-01-24 03:04:31\",\"fwdStartTime\":\"2019-01-24 03:04:31\",\"callEndTime\":\"2019-01-24 03:04:35\",\"callOutUnaswRsn\":0,\"fwdUnaswRsn\":17"));

        Assert.Equal(CallOutcome.Busy, view.Outcome);
        Assert.Equal(new CodeMeaning(17, "user busy"), view.Legs[1].FailureCause);
        Assert.Null(view.Legs[0].FailureCause);
        Assert.Null(view.TalkSeconds);
    }

    [Theory]
    [InlineData(530)]
    [InlineData(516)]
    public void A_callback_where_A_answered_and_hung_up_before_B_answered_is_caller_abandoned(int releasePoint)
    {
        // B's leg was cleared "normally" because A went away: that is not B failing to answer.
        var view = Fold(Cdr($"\"calleeNum\":\"{A}\",\"fwdDstNum\":\"{B}\",\"serviceType\":\"002\",\"callOutAnswerTime\":\"2019-01-24 03:04:31\",\"fwdStartTime\":\"2019-01-24 03:04:31\",\"fwdAlertingTime\":\"2019-01-24 03:04:33\",\"callEndTime\":\"2019-01-24 03:04:35\",\"fwdUnaswRsn\":16,\"ulFailReason\":{releasePoint}"));

        Assert.Equal(CallOutcome.CallerAbandoned, view.Outcome);
        Assert.Null(view.TalkSeconds);
    }

    [Fact]
    public void A_failed_call_ends_when_the_cdr_says_it_failed()
    {
        var view = Fold(Cdr($"\"calleeNum\":\"{A}\",\"serviceType\":\"001\",\"failTime\":\"2019-01-24 03:04:26\",\"ulFailReason\":522"));

        Assert.Equal(CallOutcome.Failed, view.Outcome);
        Assert.Equal(Utc("2019-01-24T03:04:26"), Assert.Single(view.Legs).EndedAt);
    }

    [Fact]
    public void A_cdr_without_any_number_still_shows_its_leg()
    {
        var view = Fold(Cdr("\"serviceType\":\"001\",\"callOutStartTime\":\"2019-01-24 03:04:24\",\"callEndTime\":\"2019-01-24 03:04:40\""));

        var leg = Assert.Single(view.Legs);
        Assert.Null(leg.Number);
        Assert.Equal(Utc("2019-01-24T03:04:24"), leg.DialedAt);
    }
}
