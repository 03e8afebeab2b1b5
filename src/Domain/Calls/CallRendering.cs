using System.Globalization;
using CallGrains.Domain.Codes;
using CallGrains.Domain.Pushes;

namespace CallGrains.Domain.Calls;

/// <summary>
/// Renders merged <see cref="CallFacts"/> as the view clients read. The CDR is the record: its times and legs
/// win where it has them, status pushes fill in the rest. Each decision names its <see cref="Rules">rule</see>, which
/// an explanation hears through <see cref="IRenderingTrace"/>; the view itself ignores it.
/// </summary>
public static class CallRendering
{
    public static CallView View(CallFacts facts) => Render(facts, trace: null);

    /// <summary>The view, every decision told to <paramref name="trace"/> as it is made (none when null).</summary>
    internal static CallView Render(CallFacts facts, IRenderingTrace? trace)
    {
        var cdr = facts.Cdr?.Value;
        var disconnect = facts.Disconnect?.Value;
        var scenario = ScenarioOf(facts, cdr);
        var ended = disconnect is not null || cdr is not null;
        var legEnd = ended ? LegEnd(cdr, disconnect) : new(null, Rules.LegEndNotEnded);

        var (a, b) = LegNumbers(facts, cdr, scenario.Value);
        var legs = new List<CallLeg>(2);
        if (a.Value is not null || cdr is not null)
            legs.Add(Leg(0, a, StatusOf(facts, a.Value), CdrLeg.First(cdr), legEnd, trace, otherLeg: null));
        if (scenario.Value == CallScenario.Callback && (b.Value is not null || HasSecondLeg(cdr)))
            legs.Add(Leg(1, b, StatusOf(facts, b.Value), CdrLeg.Second(cdr), legEnd, trace, otherLeg: a.Value));

        // The conversation: in a callback, B answering; otherwise the only leg answering. Collected digits prove
        // a single-leg call was answered even when its answer push was lost.
        var conversationIndex = scenario.Value == CallScenario.Callback ? 1 : 0;
        var conversation = legs.ElementAtOrDefault(conversationIndex);
        var digitsCollected = scenario.Value != CallScenario.Callback && facts.CollectInfoSeen;

        var problems = facts.Problems;
        var talkEnd = cdr?.CallEndTime ?? disconnect?.Timestamp;
        var talkSeconds = TalkSeconds(conversation?.AnsweredAt, talkEnd, out var talkProblem);
        if (talkProblem is not null) problems = problems.Add(talkProblem);
        var outcome = ended
            ? OutcomeOf(conversation?.AnsweredAt is not null, digitsCollected, scenario.Value, legs, cdr, disconnect)
            : new(null, Rules.OutcomeNotEnded);
        var digits = DigitsOf(facts, cdr);
        var userData = cdr?.UserData is { } cdrUserData ? new Decided<string?>(cdrUserData, Rules.UserDataCdr)
            : new(facts.UserData, facts.UserData is null ? Rules.UserDataNone : Rules.UserDataLeast);
        var caller = facts.Caller is { } least ? new Decided<string?>(least, Rules.CallerLeast)
            : cdr?.CallerNum is { } callerNum ? new(callerNum, Rules.CallerCdr)
            : new(null, Rules.CallerNone);

        var view = new CallView(
            facts.SessionId,
            scenario.Value,
            ended ? CallStatus.Ended : StageOf(facts),
            Final: facts.Final,
            Outcome: outcome.Value,
            legs,
            disconnect is null ? null : new Hangup(disconnect.StateCode, disconnect.StateDesc,
                disconnect.StateCode is { } code ? HangupCause.Find(code)?.Meaning : null),
            digits.Value,
            talkSeconds.Value,
            talkSeconds.Value is { } talk ? talk / 60 + (talk % 60 == 0 ? 0 : 1) : null,
            userData.Value,
            Request: null,
            cdr,
            [.. problems],
            facts.Version,
            UpdatedAt: null,
            caller.Value)
        {
            Unverified = [.. facts.Unverified.Values],
            Capped = facts.Capped,
        };
        if (trace is null) return view;

        // The values told are the view's own; the evidence names the facts each rule read.
        trace.Decided("sessionId", view.SessionId, Rules.Session);
        trace.Decided("scenario", view.Scenario, scenario.Rule, ScenarioEvidence(scenario.Rule));
        trace.Decided("status", view.Status, ended ? Rules.StatusEnded : Rules.StatusFurthestStage, ended
            ? [.. When(disconnect is not null, new Evidence.Disconnect()), .. When(cdr is not null, new Evidence.Cdr())]
            : [new Evidence.StageReached(view.Status)]);
        trace.Decided("final", view.Final, view.Final ? Rules.FinalCdr : Rules.FinalNoCdr, When(view.Final, new Evidence.Cdr()));
        trace.Decided("outcome", view.Outcome, outcome.Rule, OutcomeEvidence(outcome.Rule, conversationIndex, legs, cdr, scenario.Value));
        trace.Decided("legs", view.Legs, Rules.Legs, [.. legs.Select((_, i) => new Evidence.OtherField($"legs[{i}].number"))]);
        trace.Decided("hangup", view.Hangup, view.Hangup is null ? Rules.HangupNone : Rules.HangupDisconnect, When(view.Hangup is not null, new Evidence.Disconnect()));
        trace.Decided("digits", view.Digits, digits.Rule,
            digits.Rule == Rules.DigitsCollectInfo ? [new Evidence.CollectInfo(WithDigits: true)]
            : When(digits.Rule == Rules.DigitsCdrIvrPath, new Evidence.Cdr("dynIVRPath")));
        trace.Decided("talkSeconds", view.TalkSeconds, talkSeconds.Rule, TalkEvidence(talkSeconds.Rule, conversationIndex, cdr));
        trace.Decided("billableMinutes", view.BillableMinutes, view.BillableMinutes is null ? Rules.BillableNoTalk : Rules.BillableStartedMinutes,
            When(view.BillableMinutes is not null, new Evidence.OtherField("talkSeconds")));
        trace.Decided("userData", view.UserData, userData.Rule, userData.Rule == Rules.UserDataCdr
            ? [new Evidence.Cdr("userData"), .. When(facts.UserData is not null, new Evidence.Overruled(new Evidence.UserData(facts.UserData!)))]
            : When(view.UserData is not null, new Evidence.UserData(view.UserData!)));
        trace.Decided("cdr", view.Cdr, view.Cdr is null ? Rules.CdrNone : Rules.CdrMostComplete, When(view.Cdr is not null, new Evidence.Cdr()));
        trace.Decided("problems", view.Problems, Rules.Problems, [.. view.Problems.Select(p => new Evidence.Problem(p))]);
        for (var i = 0; i < view.Problems.Count; i++)
            trace.Decided($"problems[{i}]", view.Problems[i], view.Problems[i] == talkProblem ? Rules.ProblemTalkClock : Rules.ProblemOfItems,
                view.Problems[i] == talkProblem ? new Evidence.OtherField("talkSeconds") : new Evidence.Problem(view.Problems[i]));
        trace.Decided("version", view.Version, Rules.Version, new Evidence.Merged());
        trace.Decided("caller", view.Caller, caller.Rule,
            caller.Rule == Rules.CallerLeast ? [new Evidence.Caller(view.Caller!)] : When(caller.Rule == Rules.CallerCdr, new Evidence.Cdr("callerNum")));
        trace.Decided("unverified", view.Unverified, Rules.Unverified, new Evidence.Unverified());
        trace.Decided("capped", view.Capped, Rules.Capped, new Evidence.PastLimit());
        return view;
    }

    private static Evidence[] When(bool condition, Evidence evidence) => condition ? [evidence] : [];

    private static Decided<CallScenario> ScenarioOf(CallFacts facts, CdrView? cdr)
    {
        var serviceType = ServiceTypeOf(cdr);
        if (serviceType == 2) return new(CallScenario.Callback, Rules.ScenarioCdrCallback);
        if (HasSecondLeg(cdr)) return new(CallScenario.Callback, Rules.ScenarioCdrSecondLeg);
        if (facts.Legs.Count >= 2) return new(CallScenario.Callback, Rules.ScenarioTwoNumbers);
        if (facts.CollectInfoSeen) return new(CallScenario.Notification, Rules.ScenarioDigitsCollected);
        if (serviceType == 1)
            return cdr!.DynIvrPath is not null || cdr.DynIvrStartTime is not null || cdr.TtsPlayTimes > 0
                ? new(CallScenario.Notification, Rules.ScenarioCdrIvr)
                : new(CallScenario.Verification, Rules.ScenarioCdrVerification);
        return new(CallScenario.Unknown, Rules.ScenarioUnknown);
    }

    private static Evidence[] ScenarioEvidence(Rule rule) =>
        rule == Rules.ScenarioCdrCallback || rule == Rules.ScenarioCdrIvr || rule == Rules.ScenarioCdrVerification ? [new Evidence.Cdr("serviceType")]
        : rule == Rules.ScenarioCdrSecondLeg ? [new Evidence.Cdr()]
        : rule == Rules.ScenarioTwoNumbers ? [new Evidence.DialledNumbers()]
        : rule == Rules.ScenarioDigitsCollected ? [new Evidence.CollectInfo(WithDigits: false)]
        : [];

    /// <summary>"001" or "002" as published; an unpadded or unquoted 1 or 2 means the same.</summary>
    private static int? ServiceTypeOf(CdrView? cdr) =>
        int.TryParse(cdr?.ServiceType, NumberStyles.None, CultureInfo.InvariantCulture, out var type)
            ? type
            : null;

    /// <summary>Any leg-2 fact in the CDR; an <c>fwdUnaswRsn</c> of 0 ("n/a") is in every CDR and says nothing.</summary>
    private static bool HasSecondLeg(CdrView? cdr) =>
        cdr is not null && (cdr.FwdDstNum is not null || cdr.FwdDisplayNum is not null || cdr.FwdStartTime is not null
            || cdr.FwdAlertingTime is not null || cdr.FwdAnswerTime is not null || cdr.FwdUnaswRsn is > 0);

    /// <summary>
    /// Protocol §7.4: A is the CDR's calleeNum, else the number on the disconnect (which names A), else the
    /// number dialled first. B is the CDR's fwdDstNum, else the other number seen.
    /// </summary>
    private static (Decided<string?> A, Decided<string?> B) LegNumbers(CallFacts facts, CdrView? cdr, CallScenario scenario)
    {
        Decided<string?> a = cdr?.CalleeNum is { } callee ? new(callee, Rules.LegNumberCdrCallee)
            : facts.Disconnect?.Value.Called is { } called ? new(called, Rules.LegNumberDisconnect)
            : FirstDialled(facts, except: null) is { } first ? new(first, Rules.LegNumberFirstDialled)
            : new(null, Rules.LegNumberNone);
        if (scenario != CallScenario.Callback) return (a, new(null, Rules.LegNumberNone));
        Decided<string?> b = cdr?.FwdDstNum is { } forward ? new(forward, Rules.LegNumberCdrForward)
            : FirstDialled(facts, except: a.Value) is { } other ? new(other, Rules.LegNumberOther)
            : new(null, Rules.LegNumberNone);
        return (a, b);
    }

    /// <summary>
    /// The number first seen, other than <paramref name="except"/>. A scan, not a sort: every view renders this, and
    /// sorting the legs for it was about 5 % of what the node allocated per push (allocation profile, 2026-11-30).
    /// </summary>
    private static string? FirstDialled(CallFacts facts, string? except)
    {
        LegFacts? first = null;
        foreach (var (_, leg) in facts.Legs)
        {
            if (leg.Number != except && (first is null || SeenBefore(leg, first))) first = leg;
        }
        return first?.Number;
    }

    /// <summary>
    /// Earlier first; within one second, the leg that got further came first (B is only dialled once A has answered);
    /// then by number, so that the order is total.
    /// </summary>
    private static bool SeenBefore(LegFacts x, LegFacts y) =>
        x.FirstSeen.At != y.FirstSeen.At ? x.FirstSeen.At < y.FirstSeen.At
        : x.FirstSeen.Stage != y.FirstSeen.Stage ? x.FirstSeen.Stage > y.FirstSeen.Stage
        : string.CompareOrdinal(x.Number, y.Number) < 0;

    private static LegFacts? StatusOf(CallFacts facts, string? number) =>
        number is not null && facts.Legs.TryGetValue(number, out var leg) ? leg : null;

    /// <summary>The CDR's times where it has them (it is the record), the status pushes' where it does not.</summary>
    private static CallLeg Leg(
        int index, Decided<string?> number, LegFacts? status, CdrLeg fromCdr, Decided<DateTimeOffset?> end, IRenderingTrace? trace, string? otherLeg)
    {
        var dialed = Time(fromCdr.Dialed, status?.DialedAt);
        var ringing = Time(fromCdr.Ringing, status?.RingingAt);
        var answered = Time(fromCdr.Answered, status?.AnsweredAt);
        var failure = fromCdr.Q850 is { } code ? Q850Cause.Find(code)?.ToMeaning() : null;
        if (trace is not null)
        {
            var path = $"legs[{index}].";
            trace.Decided(path + "number", number.Value, number.Rule, NumberEvidence(number, otherLeg));
            trace.Decided(path + "dialedAt", dialed.Value, dialed.Rule, TimeEvidence(dialed, fromCdr.Field("StartTime"), number.Value, StatusEventType.Callout));
            trace.Decided(path + "ringingAt", ringing.Value, ringing.Rule, TimeEvidence(ringing, fromCdr.Field("AlertingTime"), number.Value, StatusEventType.Alerting));
            trace.Decided(path + "answeredAt", answered.Value, answered.Rule, TimeEvidence(answered, fromCdr.Field("AnswerTime"), number.Value, StatusEventType.Answer));
            trace.Decided(path + "endedAt", end.Value, end.Rule, EndEvidence(end));
            trace.Decided(path + "failureCause", failure, failure is null ? Rules.LegFailureNone : Rules.LegFailureCdr,
                failure is null ? [] : [new Evidence.Cdr(fromCdr.Field("UnaswRsn"), Code: fromCdr.Q850)]);
        }
        return new(number.Value, dialed.Value, ringing.Value, answered.Value, end.Value, failure);
    }

    private static Decided<DateTimeOffset?> Time(DateTimeOffset? fromCdr, DateTimeOffset? fromPushes) =>
        fromCdr is not null ? new(fromCdr, Rules.LegTimeCdr)
        : fromPushes is not null ? new(fromPushes, Rules.LegTimeEarliestPush)
        : new(null, Rules.LegTimeNone);

    /// <summary>When an ended call's legs ended: the CDR's end, else its failure time, else the disconnect's time.</summary>
    private static Decided<DateTimeOffset?> LegEnd(CdrView? cdr, StatusEvent? disconnect) =>
        cdr?.CallEndTime is { } end ? new(end, Rules.LegEndCdr)
        : cdr?.FailTime is { } fail ? new(fail, Rules.LegEndCdrFail)
        : disconnect?.Timestamp is { } at ? new(at, Rules.LegEndDisconnect)
        : new(null, Rules.LegEndUnknown);

    /// <summary>What decided a leg's number; B was chosen among the numbers other than A's.</summary>
    private static Evidence[] NumberEvidence(Decided<string?> number, string? otherLeg) =>
        number.Rule == Rules.LegNumberCdrCallee ? [new Evidence.Cdr("calleeNum")]
        : number.Rule == Rules.LegNumberCdrForward ? [new Evidence.Cdr("fwdDstNum")]
        : number.Rule == Rules.LegNumberDisconnect ? [new Evidence.Disconnect()]
        : number.Value is { } dialled ? [new Evidence.NamedNumber(dialled, otherLeg)]
        : [];

    private static Evidence[] TimeEvidence(Decided<DateTimeOffset?> time, string cdrField, string? number, StatusEventType type) =>
        time.Rule == Rules.LegTimeCdr
            ? [new Evidence.Cdr(cdrField, At: time.Value), .. number is null ? Array.Empty<Evidence>() : [new Evidence.Overruled(new Evidence.LegEvent(number, type))]]
            : time.Rule == Rules.LegTimeEarliestPush && number is not null ? [new Evidence.LegEvent(number, type)]
            : [];

    private static Evidence[] EndEvidence(Decided<DateTimeOffset?> end) =>
        end.Rule == Rules.LegEndCdr ? [new Evidence.Cdr("callEndTime", At: end.Value)]
        : end.Rule == Rules.LegEndCdrFail ? [new Evidence.Cdr("failTime", At: end.Value)]
        : end.Rule == Rules.LegEndDisconnect ? [new Evidence.Disconnect()]
        : [];

    private static CallStatus StageOf(CallFacts facts)
    {
        var stage = facts.UnplacedStage ?? CallStatus.Dialing;
        foreach (var leg in facts.Legs.Values) stage = CallFold.Furthest(stage, leg.Stage);
        return stage;
    }

    /// <summary>
    /// Answered if the conversation happened. Otherwise a callback whose A answered and then hung up is
    /// caller-abandoned; else the most specific evidence first: the failing leg's Q.850 cause, the release point,
    /// the SIP status, the disconnect's stateCode; lastly, how far the call got.
    /// </summary>
    private static Decided<CallOutcome?> OutcomeOf(
        bool conversationAnswered, bool digitsCollected, CallScenario scenario, List<CallLeg> legs, CdrView? cdr, StatusEvent? disconnect)
    {
        if (conversationAnswered) return new(CallOutcome.Answered, Rules.OutcomeAnswered);
        if (digitsCollected) return new(CallOutcome.Answered, Rules.OutcomeDigitsCollected);

        var hangupVerdict = disconnect?.StateCode is { } state ? HangupCause.Find(state)?.Implies : null;
        var releaseVerdict = cdr?.UlFailReason is { } release ? ReleasePoint.Find(release)?.Implies : null;
        var aAnswered = legs.Count > 0 && legs[0].AnsweredAt is not null;
        if (scenario == CallScenario.Callback && aAnswered
            && (hangupVerdict == CallOutcome.CallerAbandoned || releaseVerdict == CallOutcome.CallerAbandoned))
            return new(CallOutcome.CallerAbandoned, Rules.OutcomeCallerAbandoned);

        // In a callback the leg that failed is A unless A answered, then it is B.
        var failingCause = scenario == CallScenario.Callback && aAnswered ? cdr?.FwdUnaswRsn : cdr?.CallOutUnaswRsn;
        if (failingCause is { } q850 && Q850Cause.Find(q850)?.Implies is { } byCause) return new(byCause, Rules.OutcomeQ850);
        if (releaseVerdict is { } byRelease) return new(byRelease, Rules.OutcomeReleasePoint);
        if (cdr?.SipStatusCode is { } sip && SipStatus.Find(sip)?.Implies is { } bySip) return new(bySip, Rules.OutcomeSipStatus);
        if (hangupVerdict is { } byHangup) return new(byHangup, Rules.OutcomeHangupCause);
        return legs.Any(l => l.RingingAt is not null) ? new(CallOutcome.NoAnswer, Rules.OutcomeRang) : new(CallOutcome.Failed, Rules.OutcomeDidNotRing);
    }

    private static Evidence[] OutcomeEvidence(Rule rule, int conversationIndex, List<CallLeg> legs, CdrView? cdr, CallScenario scenario)
    {
        if (rule == Rules.OutcomeAnswered) return [new Evidence.OtherField($"legs[{conversationIndex}].answeredAt")];
        if (rule == Rules.OutcomeDigitsCollected) return [new Evidence.CollectInfo(WithDigits: false)];
        if (rule == Rules.OutcomeCallerAbandoned)
            return [new Evidence.OtherField("legs[0].answeredAt"), .. HangupOrRelease(cdr)];
        if (rule == Rules.OutcomeQ850)
        {
            var second = scenario == CallScenario.Callback && legs[0].AnsweredAt is not null;
            return [new Evidence.Cdr(second ? "fwdUnaswRsn" : "callOutUnaswRsn", Code: second ? cdr!.FwdUnaswRsn : cdr!.CallOutUnaswRsn)];
        }
        if (rule == Rules.OutcomeReleasePoint) return [new Evidence.Cdr("ulFailReason", Code: cdr!.UlFailReason)];
        if (rule == Rules.OutcomeSipStatus) return [new Evidence.Cdr("sipStatusCode", Code: cdr!.SipStatusCode)];
        if (rule == Rules.OutcomeHangupCause) return [new Evidence.Disconnect()];
        if (rule == Rules.OutcomeRang)
            return [.. legs.Select((l, i) => (l, i)).Where(x => x.l.RingingAt is not null).Select(x => new Evidence.OtherField($"legs[{x.i}].ringingAt"))];
        return [];
    }

    private static Evidence[] HangupOrRelease(CdrView? cdr) =>
        cdr?.UlFailReason is { } release && ReleasePoint.Find(release)?.Implies == CallOutcome.CallerAbandoned
            ? [new Evidence.Cdr("ulFailReason", Code: release)]
            : [new Evidence.Disconnect()];

    /// <summary>Seconds from the answer to the end; null, with a problem, when the clocks say the end came first.</summary>
    private static Decided<int?> TalkSeconds(DateTimeOffset? answeredAt, DateTimeOffset? end, out string? problem)
    {
        problem = null;
        if (answeredAt is not { } from) return new(null, Rules.TalkNotAnswered);
        if (end is not { } to) return new(null, Rules.TalkNoEnd);
        var seconds = Math.Floor((to - from).TotalSeconds);
        if (seconds is >= 0 and <= int.MaxValue) return new((int)seconds, Rules.TalkAnswerToEnd);
        problem = $"talkSeconds: the answer at {PushFields.FormatTime(from)} is not before the end at {PushFields.FormatTime(to)}";
        return new(null, Rules.TalkClockProblem);
    }

    private static Evidence[] TalkEvidence(Rule rule, int conversationIndex, CdrView? cdr) =>
        rule == Rules.TalkAnswerToEnd || rule == Rules.TalkClockProblem
            ? [new Evidence.OtherField($"legs[{conversationIndex}].answeredAt"),
               cdr?.CallEndTime is { } end ? new Evidence.Cdr("callEndTime", At: end) : new Evidence.Disconnect()]
            : [];

    /// <summary>Digits from collectInfo pushes; a call known only from its CDR falls back to the IVR path ("1-2").</summary>
    private static Decided<IReadOnlyList<string>> DigitsOf(CallFacts facts, CdrView? cdr)
    {
        if (!facts.Digits.IsEmpty) return new([.. facts.Digits.Select(d => d.Digits)], Rules.DigitsCollectInfo);
        return cdr?.DynIvrPath is { } path
            ? new(path.Split('-', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), Rules.DigitsCdrIvrPath)
            : new([], Rules.DigitsNone);
    }

    /// <summary>A value of the view and the rule that decided it.</summary>
    private readonly record struct Decided<T>(T Value, Rule Rule);

    /// <summary>One leg's fields of the CDR: leg 1 (<c>callOut...</c>, A or the only leg) or leg 2 (<c>fwd...</c>, B).</summary>
    private readonly record struct CdrLeg(string Prefix, DateTimeOffset? Dialed, DateTimeOffset? Ringing, DateTimeOffset? Answered, int? Q850)
    {
        public static CdrLeg First(CdrView? cdr) =>
            new("callOut", cdr?.CallOutStartTime, cdr?.CallOutAlertingTime, cdr?.CallOutAnswerTime, cdr?.CallOutUnaswRsn);

        public static CdrLeg Second(CdrView? cdr) =>
            new("fwd", cdr?.FwdStartTime, cdr?.FwdAlertingTime, cdr?.FwdAnswerTime, cdr?.FwdUnaswRsn);

        public string Field(string suffix) => Prefix + suffix;
    }
}
