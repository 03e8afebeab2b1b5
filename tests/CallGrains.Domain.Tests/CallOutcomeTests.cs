using CallGrains.Domain.Calls;
using CallGrains.Domain.Pushes;
using static CallGrains.Domain.Tests.Given;

namespace CallGrains.Domain.Tests;

/// <summary>How status pushes and the CDR together decide status, legs, outcome and the rest, whatever is missing.</summary>
public sealed class CallOutcomeTests
{
    private static PushItem At(string eventType, string number, string time, string more = "") =>
        Status(eventType, $"\"timestamp\":\"2019-01-24 {time}\",\"called\":\"{number}\"{more}");

    [Fact]
    public void Disconnect_before_answer_still_yields_answered_when_the_cdr_says_so()
    {
        // The B-leg answer push was lost; the disconnect arrived; the CDR says B answered.
        var view = Fold(
            At("callout", A, "03:04:24"),
            At("callout", B, "03:04:31"),
            At("disconnect", A, "03:04:49", ",\"stateCode\":0"),
            Cdr($"\"calleeNum\":\"{A}\",\"fwdDstNum\":\"{B}\",\"serviceType\":\"002\",\"callOutAnswerTime\":\"2019-01-24 03:04:31\",\"fwdAnswerTime\":\"2019-01-24 03:04:38\",\"callEndTime\":\"2019-01-24 03:04:49\""));

        Assert.Equal(CallOutcome.Answered, view.Outcome);
        Assert.Equal(11, view.TalkSeconds);
        Assert.Equal(Utc("2019-01-24T03:04:24"), view.Legs[0].DialedAt);
        Assert.Equal(Utc("2019-01-24T03:04:38"), view.Legs[1].AnsweredAt);
    }

    [Fact]
    public void A_cdr_before_the_disconnect_push_ends_the_call_and_the_disconnect_only_adds_the_hangup()
    {
        var cdr = Cdr($"\"calleeNum\":\"{A}\",\"serviceType\":\"001\",\"callOutStartTime\":\"2016-12-28 10:27:43\",\"callEndTime\":\"2016-12-28 10:28:10\",\"callOutUnaswRsn\":17");
        var disconnect = Status("disconnect", $"\"timestamp\":\"2016-12-28 10:28:10\",\"called\":\"{A}\",\"stateCode\":8102,\"stateDesc\":\"busy\"");

        var first = Fold(cdr);
        var both = Fold(cdr, disconnect);

        Assert.Equal(CallStatus.Ended, first.Status);
        Assert.Equal(CallOutcome.Busy, first.Outcome);
        Assert.Null(first.Hangup);
        Assert.Equal(CallOutcome.Busy, both.Outcome);
        Assert.Equal(new Hangup(8102, "busy", "callee busy"), both.Hangup);
    }

    [Theory]
    [InlineData(8102, CallOutcome.Busy)]
    [InlineData(8101, CallOutcome.NoAnswer)]
    [InlineData(8003, CallOutcome.NoAnswer)]
    [InlineData(8100, CallOutcome.InvalidNumber)]
    [InlineData(8104, CallOutcome.Unreachable)]
    [InlineData(8004, CallOutcome.Rejected)]
    [InlineData(7004, CallOutcome.Rejected)]
    [InlineData(7109, CallOutcome.Failed)]
    [InlineData(8017, CallOutcome.Failed)]
    public void Without_a_cdr_the_hangup_cause_says_how_an_unanswered_call_ended(int stateCode, CallOutcome outcome)
    {
        var view = Fold(At("callout", A, "03:04:24"), At("disconnect", A, "03:04:40", $",\"stateCode\":{stateCode}"));

        Assert.Equal(CallStatus.Ended, view.Status);
        Assert.False(view.Final);
        Assert.Equal(outcome, view.Outcome);
        Assert.Null(view.TalkSeconds);
        Assert.Null(view.BillableMinutes);
    }

    [Fact]
    public void The_cdrs_cause_outranks_the_hangup_cause()
    {
        var view = Fold(
            At("disconnect", A, "03:04:40", ",\"stateCode\":8001"),
            Cdr($"\"calleeNum\":\"{A}\",\"serviceType\":\"001\",\"callEndTime\":\"2019-01-24 03:04:40\",\"callOutUnaswRsn\":17"));

        Assert.Equal(CallOutcome.Busy, view.Outcome);
    }

    [Theory]
    [InlineData(9999, true, CallOutcome.NoAnswer)]
    [InlineData(9999, false, CallOutcome.Failed)]
    [InlineData(0, true, CallOutcome.NoAnswer)]
    [InlineData(0, false, CallOutcome.Failed)]
    public void Without_a_verdict_a_call_that_rang_is_unanswered_and_one_that_never_rang_failed(int stateCode, bool rang, CallOutcome outcome)
    {
        var view = Fold(
            At(rang ? "alerting" : "callout", A, "03:04:27"),
            At("disconnect", A, "03:04:40", $",\"stateCode\":{stateCode}"));

        Assert.Equal(outcome, view.Outcome);
    }

    [Fact]
    public void An_unpublished_hangup_cause_is_reported_without_a_meaning()
    {
        var view = Fold(At("disconnect", A, "03:04:40", ",\"stateCode\":9999,\"stateDesc\":\"new\""));

        Assert.Equal(new Hangup(9999, "new", null), view.Hangup);
    }

    [Fact]
    public void A_callback_where_A_answers_and_hangs_up_before_B_answers_is_caller_abandoned()
    {
        var view = Fold(
            At("answer", A, "03:04:31"),
            At("alerting", B, "03:04:36"),
            At("disconnect", A, "03:04:40", ",\"stateCode\":8009"));

        Assert.Equal(CallScenario.Callback, view.Scenario);
        Assert.Equal(CallOutcome.CallerAbandoned, view.Outcome);
        Assert.Null(view.TalkSeconds);
    }

    [Fact]
    public void A_callback_where_B_answered_is_answered_whatever_the_hangup_says()
    {
        var view = Fold(
            At("answer", A, "03:04:31"),
            At("answer", B, "03:04:38"),
            At("disconnect", A, "03:04:49", ",\"stateCode\":8009"));

        Assert.Equal(CallOutcome.Answered, view.Outcome);
        Assert.Equal(11, view.TalkSeconds);
    }

    [Fact]
    public void In_a_callback_only_B_answering_is_a_conversation()
    {
        var view = Fold(
            At("answer", A, "03:04:31"),
            At("callout", B, "03:04:31"),
            At("disconnect", A, "03:04:49", ",\"stateCode\":8102"));

        Assert.Equal(CallOutcome.Busy, view.Outcome);
        Assert.Null(view.TalkSeconds);
    }

    [Fact]
    public void Status_only_moves_forward_and_a_late_earlier_event_only_fills_in_its_time()
    {
        var answer = At("answer", A, "03:04:31");
        var alerting = At("alerting", A, "03:04:27");

        var answered = Fold(answer);
        var view = Fold(answer, alerting);

        Assert.Equal(CallStatus.Answered, answered.Status);
        Assert.Null(answered.Legs[0].RingingAt);
        Assert.Equal(CallStatus.Answered, view.Status);
        Assert.Equal(Utc("2019-01-24T03:04:27"), view.Legs[0].RingingAt);
        Assert.Equal(Utc("2019-01-24T03:04:31"), view.Legs[0].AnsweredAt);
        Assert.Null(view.Outcome);
        Assert.Null(view.Legs[0].EndedAt);
    }

    [Theory]
    [InlineData("callout", CallStatus.Dialing)]
    [InlineData("alerting", CallStatus.Ringing)]
    [InlineData("answer", CallStatus.Answered)]
    [InlineData("disconnect", CallStatus.Ended)]
    public void Each_event_moves_the_call_to_its_stage(string eventType, CallStatus status) =>
        Assert.Equal(status, Fold(At(eventType, A, "03:04:31")).Status);

    [Fact]
    public void Repeated_events_of_one_leg_keep_the_earliest_time()
    {
        var view = Fold(At("alerting", A, "03:04:29"), At("alerting", A, "03:04:27"), At("alerting", A, "03:04:28"));

        Assert.Equal(Utc("2019-01-24T03:04:27"), view.Legs[0].RingingAt);
        Assert.Equal(3, view.Version);
    }

    [Fact]
    public void The_disconnect_names_A_even_when_B_looks_earlier()
    {
        var view = Fold(At("callout", B, "03:04:20"), At("callout", A, "03:04:24"), At("disconnect", A, "03:04:49", ",\"stateCode\":0"));

        Assert.Equal([A, B], view.Legs.Select(l => l.Number));
    }

    [Fact]
    public void Without_a_disconnect_or_cdr_A_is_the_leg_that_got_further_in_the_earliest_second()
    {
        // A's callout and alerting were lost; A's answer and B's callout share a second, and B is only dialled after A answers.
        var view = Fold(At("callout", B, "03:04:31"), At("answer", A, "03:04:31"));

        Assert.Equal(CallScenario.Callback, view.Scenario);
        Assert.Equal([A, B], view.Legs.Select(l => l.Number));
        Assert.Equal(CallStatus.Answered, view.Status);
    }

    [Fact]
    public void The_cdr_names_the_legs_over_what_status_pushes_suggest()
    {
        var view = Fold(
            At("callout", B, "03:04:20"),
            Cdr($"\"calleeNum\":\"{A}\",\"fwdDstNum\":\"{B}\",\"serviceType\":\"002\",\"callEndTime\":\"2019-01-24 03:04:49\""));

        Assert.Equal([A, B], view.Legs.Select(l => l.Number));
        Assert.Equal(Utc("2019-01-24T03:04:20"), view.Legs[1].DialedAt);
    }

    [Fact]
    public void A_notification_whose_answer_push_was_lost_is_answered_because_digits_were_collected()
    {
        var view = Fold(
            At("callout", A, "06:43:31"),
            Status("collectInfo", "\"timestamp\":\"2019-01-24 06:44:03\",\"digitInfo\":\"1\""),
            At("disconnect", A, "06:44:04", ",\"stateCode\":0"));

        Assert.Equal(CallScenario.Notification, view.Scenario);
        Assert.Equal(CallOutcome.Answered, view.Outcome);
        Assert.Null(view.TalkSeconds);
    }

    [Fact]
    public void Collected_digits_are_listed_by_time_then_value()
    {
        var view = Fold(
            Status("collectInfo", "\"timestamp\":\"2019-01-24 06:44:09\",\"digitInfo\":\"3\""),
            Status("collectInfo", "\"timestamp\":\"2019-01-24 06:44:03\",\"digitInfo\":\"2\""),
            Status("collectInfo", "\"timestamp\":\"2019-01-24 06:44:03\",\"digitInfo\":\"1\""),
            Status("collectInfo", "\"digitInfo\":\"9\""));

        Assert.Equal(["1", "2", "3", "9"], view.Digits);
        Assert.Equal(CallStatus.Answered, view.Status);
    }

    [Fact]
    public void A_collect_info_without_digits_still_marks_a_notification()
    {
        var view = Fold(Status("collectInfo", "\"timestamp\":\"2019-01-24 06:44:03\""));

        Assert.Equal(CallScenario.Notification, view.Scenario);
        Assert.Empty(view.Digits);
    }

    [Fact]
    public void An_unknown_event_type_is_kept_as_a_problem_not_a_failure()
    {
        var view = Fold(Status("callin", "\"timestamp\":\"2019-01-24 03:04:40\",\"userData\":\"order-9\""));

        Assert.Equal(CallStatus.Dialing, view.Status);
        Assert.Null(view.Outcome);
        Assert.Equal(CallScenario.Unknown, view.Scenario);
        Assert.Equal(["eventType 'callin' is not known"], view.Problems);
        Assert.Equal("order-9", view.UserData);
        Assert.Equal(1, view.Version);
    }

    [Fact]
    public void An_unknown_event_type_changes_nothing_else()
    {
        var answer = At("answer", A, "03:04:31");

        var with = Fold(answer, Status("callin", "\"timestamp\":\"2019-01-24 03:04:40\""));

        Assert.Equal(Json(Fold(answer) with { Version = 2, Problems = ["eventType 'callin' is not known"] }), Json(with));
    }

    [Fact]
    public void The_more_complete_cdr_wins_whichever_arrives_first()
    {
        var partial = Cdr($"\"calleeNum\":\"{A}\",\"callEndTime\":\"2019-01-24 03:04:49\"");
        var complete = Cdr($"\"calleeNum\":\"{A}\",\"callEndTime\":\"2019-01-24 03:04:49\",\"serviceType\":\"001\",\"callOutUnaswRsn\":17");

        Assert.Equal(17, Fold(partial, complete).Cdr!.CallOutUnaswRsn);
        Assert.Equal(17, Fold(complete, partial).Cdr!.CallOutUnaswRsn);
        Assert.Equal(2, Fold(complete, partial).Version);
    }

    [Fact]
    public void Between_equally_complete_cdrs_the_one_that_ended_later_wins()
    {
        var earlier = Cdr($"\"calleeNum\":\"{A}\",\"callEndTime\":\"2019-01-24 03:04:49\"");
        var later = Cdr($"\"calleeNum\":\"{A}\",\"callEndTime\":\"2019-01-24 03:05:49\"");

        Assert.Equal(Utc("2019-01-24T03:05:49"), Fold(earlier, later).Cdr!.CallEndTime);
        Assert.Equal(Utc("2019-01-24T03:05:49"), Fold(later, earlier).Cdr!.CallEndTime);
    }

    [Fact]
    public void The_cdrs_user_data_wins_and_otherwise_the_least_one_seen()
    {
        var statusOnly = Fold(
            Status("callout", $"\"timestamp\":\"2019-01-24 03:04:24\",\"called\":\"{A}\",\"userData\":\"order-b\""),
            Status("alerting", $"\"timestamp\":\"2019-01-24 03:04:27\",\"called\":\"{A}\",\"userData\":\"order-a\""),
            Status("answer", $"\"timestamp\":\"2019-01-24 03:04:31\",\"called\":\"{A}\",\"userData\":\"\""));
        var withCdr = Fold(
            Status("callout", $"\"timestamp\":\"2019-01-24 03:04:24\",\"called\":\"{A}\",\"userData\":\"order-a\""),
            Cdr($"\"calleeNum\":\"{A}\",\"userData\":\"order-z\""));

        Assert.Equal("order-a", statusOnly.UserData);
        Assert.Equal("order-z", withCdr.UserData);
    }

    [Fact]
    public void The_caller_comes_from_status_pushes_or_else_the_cdr()
    {
        Assert.Equal("+86111", Fold(At("callout", A, "03:04:24", ",\"caller\":\"+86111\""), Cdr($"\"calleeNum\":\"{A}\",\"callerNum\":\"+86999\"")).Caller);
        Assert.Equal("+86999", Fold(At("callout", A, "03:04:24"), Cdr($"\"calleeNum\":\"{A}\",\"callerNum\":\"+86999\"")).Caller);
    }

    [Fact]
    public void Of_two_disconnects_the_earlier_one_is_the_hangup()
    {
        var early = At("disconnect", A, "03:04:49", ",\"stateCode\":0");
        var late = At("disconnect", A, "03:04:50", ",\"stateCode\":8102");

        Assert.Equal(0, Fold(late, early).Hangup!.StateCode);
        Assert.Equal(0, Fold(early, late).Hangup!.StateCode);
    }

    [Fact]
    public void Talk_time_runs_from_the_answer_to_the_cdrs_end_and_otherwise_to_the_disconnect()
    {
        var answer = At("answer", A, "03:04:31");
        var disconnect = At("disconnect", A, "03:04:41", ",\"stateCode\":0");
        var cdr = Cdr($"\"calleeNum\":\"{A}\",\"serviceType\":\"001\",\"callEndTime\":\"2019-01-24 03:04:42\"");

        Assert.Equal(10, Fold(answer, disconnect).TalkSeconds);
        Assert.Equal(11, Fold(answer, disconnect, cdr).TalkSeconds);
        Assert.Null(Fold(answer).TalkSeconds);
    }
}
