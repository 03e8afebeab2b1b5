using System.Collections.Immutable;
using CallGrains.Domain.Calls;
using CallGrains.Tests.Shared;
using static CallGrains.Domain.Tests.Given;

namespace CallGrains.Domain.Tests;

/// <summary>The real push sequences in tests/Samples/huawei, folded in the order they were sent, give exactly these views.</summary>
public sealed class SampleCallTests
{
    private const string Released = "The user releases the call.";

    [Fact]
    public void A_connected_callback_has_two_legs_told_apart_by_called_and_eleven_seconds_of_talk()
    {
        var call = SampleCall.Load("callback-connected");

        var view = Fold(Items(call), call.SessionId);

        var expected = new CallView(
            call.SessionId,
            CallScenario.Callback,
            CallStatus.Ended,
            Final: true,
            CallOutcome.Answered,
            [
                new CallLeg(A, Utc("2019-01-24T03:04:24"), Utc("2019-01-24T03:04:27"), Utc("2019-01-24T03:04:31"), Utc("2019-01-24T03:04:49"), null),
                new CallLeg(B, Utc("2019-01-24T03:04:31"), Utc("2019-01-24T03:04:36"), Utc("2019-01-24T03:04:38"), Utc("2019-01-24T03:04:49"), null),
            ],
            new Hangup(0, Released, "normal release after connect"),
            Digits: [],
            TalkSeconds: 11,
            BillableMinutes: 1,
            call.UserData,
            Request: null,
            new CdrView(
                Direction: 0, SpId: "CaaS_Test_01", AppKey: "ka4k******YnEm2", Icid: "CAE-20190124110424-12019775",
                BindNum: "+8675512****78", CallerNum: "+8613800000022", CalleeNum: A,
                CallOutStartTime: Utc("2019-01-24T03:04:24"), CallOutAlertingTime: Utc("2019-01-24T03:04:27"),
                CallOutAnswerTime: Utc("2019-01-24T03:04:31"), CallOutUnaswRsn: 0,
                FwdDisplayNum: "+8613800000022", FwdDstNum: B,
                FwdStartTime: Utc("2019-01-24T03:04:31"), FwdAlertingTime: Utc("2019-01-24T03:04:36"),
                FwdAnswerTime: Utc("2019-01-24T03:04:38"), FwdUnaswRsn: 0,
                CallEndTime: Utc("2019-01-24T03:04:49"), FailTime: null, UlFailReason: 0, SipStatusCode: 0,
                RecordFlag: 0, RecordStartTime: null, RecordObjectName: null, RecordBucketName: null, RecordDomain: null,
                RecordFileDownloadUrl: null, DynIvrStartTime: null, DynIvrPath: null, TtsPlayTimes: 0, TtsTransDuration: 0,
                ServiceType: "002", HostName: "callenabler245.huaweicaas.com", UserData: call.UserData, Extra: null),
            Problems: [],
            Version: 8,
            UpdatedAt: null,
            Caller: "+8613800000022");
        Assert.Equal(Json(expected), Json(view));
    }

    [Fact]
    public void A_notification_with_digit_collection_lists_the_digits_pressed()
    {
        var call = SampleCall.Load("notification-collect");

        var view = Fold(Items(call), call.SessionId);

        var expected = new CallView(
            call.SessionId,
            CallScenario.Notification,
            CallStatus.Ended,
            Final: true,
            CallOutcome.Answered,
            [new CallLeg("+8613800000031", Utc("2018-05-22T06:43:31"), Utc("2018-05-22T06:43:35"), Utc("2018-05-22T06:43:40"), Utc("2018-05-22T06:44:04"), null)],
            new Hangup(0, Released, "normal release after connect"),
            Digits: ["1"],
            TalkSeconds: 24,
            BillableMinutes: 1,
            call.UserData,
            Request: null,
            new CdrView(
                Direction: 0, SpId: "CaaS_Test_01", AppKey: "ka4k******YnEm2", Icid: "CAE-20180522144331-12019001",
                BindNum: "+8675528000002", CallerNum: "+8675528000002", CalleeNum: "+8613800000031",
                CallOutStartTime: Utc("2018-05-22T06:43:31"), CallOutAlertingTime: Utc("2018-05-22T06:43:35"),
                CallOutAnswerTime: Utc("2018-05-22T06:43:40"), CallOutUnaswRsn: 0,
                FwdDisplayNum: null, FwdDstNum: null, FwdStartTime: null, FwdAlertingTime: null, FwdAnswerTime: null, FwdUnaswRsn: 0,
                CallEndTime: Utc("2018-05-22T06:44:04"), FailTime: null, UlFailReason: 0, SipStatusCode: 0,
                RecordFlag: 0, RecordStartTime: null, RecordObjectName: null, RecordBucketName: null, RecordDomain: null,
                RecordFileDownloadUrl: null, DynIvrStartTime: null, DynIvrPath: null, TtsPlayTimes: 1, TtsTransDuration: 1,
                ServiceType: "001", HostName: "callenabler245.huaweicaas.com", UserData: call.UserData, Extra: null),
            Problems: [],
            Version: 6,
            UpdatedAt: null,
            Caller: "+8675528000002");
        Assert.Equal(Json(expected), Json(view));
    }

    [Fact]
    public void A_verification_call_reads_a_double_spaced_timestamp_and_keeps_unknown_cdr_fields()
    {
        var call = SampleCall.Load("verification-code");

        var view = Fold(Items(call), call.SessionId);

        var expected = new CallView(
            call.SessionId,
            CallScenario.Verification,
            CallStatus.Ended,
            Final: true,
            CallOutcome.Answered,
            [new CallLeg("+8613800000044", Utc("2016-12-28T10:27:43"), Utc("2016-12-28T10:27:46"), Utc("2016-12-28T10:27:52"), Utc("2016-12-28T10:28:10"), null)],
            new Hangup(0, Released, "normal release after connect"),
            Digits: [],
            TalkSeconds: 18,
            BillableMinutes: 1,
            call.UserData,
            Request: null,
            new CdrView(
                Direction: 0, SpId: "CaaS_Test_01", AppKey: "ka4k******YnEm2", Icid: null,
                BindNum: "+8675528000002", CallerNum: "+8675528000002", CalleeNum: "+8613800000044",
                CallOutStartTime: Utc("2016-12-28T10:27:43"), CallOutAlertingTime: Utc("2016-12-28T10:27:46"),
                CallOutAnswerTime: Utc("2016-12-28T10:27:52"), CallOutUnaswRsn: 0,
                FwdDisplayNum: null, FwdDstNum: null, FwdStartTime: null, FwdAlertingTime: null, FwdAnswerTime: null, FwdUnaswRsn: 0,
                CallEndTime: Utc("2016-12-28T10:28:10"), FailTime: null, UlFailReason: 0, SipStatusCode: 0,
                RecordFlag: 0, RecordStartTime: null, RecordObjectName: null, RecordBucketName: null, RecordDomain: null,
                RecordFileDownloadUrl: null, DynIvrStartTime: null, DynIvrPath: null, TtsPlayTimes: 0, TtsTransDuration: 0,
                ServiceType: "001", HostName: "callenabler.home1.com", UserData: call.UserData,
                Extra: ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, [KeyValuePair.Create("endToEndID", "543207693")])),
            Problems: [],
            Version: 5,
            UpdatedAt: null,
            Caller: "+8675528000002");
        Assert.Equal(Json(expected), Json(view));
    }

    [Theory]
    [InlineData("callback-connected", 7)]
    [InlineData("notification-collect", 5)]
    [InlineData("verification-code", 4)]
    public void Status_pushes_alone_already_tell_how_the_call_ended(string name, int version)
    {
        var call = SampleCall.Load(name);

        var view = Fold(Items(call).Where(i => !i.IsCdr), call.SessionId);

        Assert.Equal(CallStatus.Ended, view.Status);
        Assert.False(view.Final);
        Assert.Equal(CallOutcome.Answered, view.Outcome);
        Assert.Null(view.Cdr);
        Assert.Equal(call.UserData, view.UserData);
        Assert.Equal(version, view.Version);
        Assert.Empty(view.Problems);
    }

    [Fact]
    public void Without_its_cdr_a_callback_still_tells_A_from_B_and_times_the_talk()
    {
        var call = SampleCall.Load("callback-connected");

        var view = Fold(Items(call).Where(i => !i.IsCdr), call.SessionId);

        Assert.Equal(CallScenario.Callback, view.Scenario);
        Assert.Equal([A, B], view.Legs.Select(l => l.Number));
        Assert.Equal(Utc("2019-01-24T03:04:38"), view.Legs[1].AnsweredAt);
        Assert.All(view.Legs, leg => Assert.Equal(Utc("2019-01-24T03:04:49"), leg.EndedAt));
        Assert.Equal(11, view.TalkSeconds);
    }

    [Fact]
    public void Without_its_cdr_a_verification_call_takes_its_answer_time_from_the_double_spaced_push()
    {
        var call = SampleCall.Load("verification-code");

        var view = Fold(Items(call).Where(i => !i.IsCdr), call.SessionId);

        Assert.Equal(Utc("2016-12-28T10:27:52"), Assert.Single(view.Legs).AnsweredAt);
        Assert.Equal(18, view.TalkSeconds);
        Assert.Equal(CallScenario.Unknown, view.Scenario);
    }
}
