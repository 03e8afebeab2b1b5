using System.Globalization;
using CallGrains.Domain.Codes;
using CallGrains.Domain.Pushes;

namespace CallGrains.Domain.Calls;

/// <summary>
/// Renders merged <see cref="CallFacts"/> as the view clients read. The CDR is the record: its times and legs
/// win where it has them, status pushes fill in the rest.
/// </summary>
public static class CallRendering
{
    public static CallView View(CallFacts facts)
    {
        var cdr = facts.Cdr?.Value;
        var disconnect = facts.Disconnect?.Value;
        var scenario = ScenarioOf(facts, cdr);
        var ended = disconnect is not null || cdr is not null;
        var legEnd = ended ? cdr?.CallEndTime ?? cdr?.FailTime ?? disconnect?.Timestamp : null;

        var (a, b) = LegNumbers(facts, cdr, scenario);
        var legs = new List<CallLeg>(2);
        if (a is not null || cdr is not null)
            legs.Add(Leg(a, StatusOf(facts, a), cdr?.CallOutStartTime, cdr?.CallOutAlertingTime, cdr?.CallOutAnswerTime,
                cdr?.CallOutUnaswRsn, legEnd));
        if (scenario == CallScenario.Callback && (b is not null || HasSecondLeg(cdr)))
            legs.Add(Leg(b, StatusOf(facts, b), cdr?.FwdStartTime, cdr?.FwdAlertingTime, cdr?.FwdAnswerTime,
                cdr?.FwdUnaswRsn, legEnd));

        // The conversation: in a callback, B answering; otherwise the only leg answering. Collected digits prove
        // a single-leg call was answered even when its answer push was lost.
        var conversation = scenario == CallScenario.Callback ? legs.ElementAtOrDefault(1) : legs.FirstOrDefault();
        var answered = conversation?.AnsweredAt is not null || (scenario != CallScenario.Callback && facts.CollectInfoSeen);

        var problems = facts.Problems;
        var talkEnd = cdr?.CallEndTime ?? disconnect?.Timestamp;
        var talkSeconds = TalkSeconds(conversation?.AnsweredAt, talkEnd, out var talkProblem);
        if (talkProblem is not null) problems = problems.Add(talkProblem);

        return new CallView(
            facts.SessionId,
            scenario,
            ended ? CallStatus.Ended : StageOf(facts),
            Final: facts.Final,
            Outcome: ended ? OutcomeOf(answered, scenario, legs, cdr, disconnect) : null,
            legs,
            disconnect is null ? null : new Hangup(disconnect.StateCode, disconnect.StateDesc,
                disconnect.StateCode is { } code ? HangupCause.Find(code)?.Meaning : null),
            DigitsOf(facts, cdr),
            talkSeconds,
            talkSeconds is { } talk ? talk / 60 + (talk % 60 == 0 ? 0 : 1) : null,
            cdr?.UserData ?? facts.UserData,
            Request: null,
            cdr,
            [.. problems],
            facts.Version,
            UpdatedAt: null,
            facts.Caller ?? cdr?.CallerNum)
        {
            Unverified = [.. facts.Unverified.Values],
            Capped = facts.Capped,
        };
    }

    private static CallScenario ScenarioOf(CallFacts facts, CdrView? cdr)
    {
        var serviceType = ServiceTypeOf(cdr);
        if (serviceType == 2 || HasSecondLeg(cdr) || facts.Legs.Count >= 2) return CallScenario.Callback;
        if (facts.CollectInfoSeen) return CallScenario.Notification;
        if (serviceType == 1)
            return cdr!.DynIvrPath is not null || cdr.DynIvrStartTime is not null || cdr.TtsPlayTimes > 0
                ? CallScenario.Notification
                : CallScenario.Verification;
        return CallScenario.Unknown;
    }

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
    private static (string? A, string? B) LegNumbers(CallFacts facts, CdrView? cdr, CallScenario scenario)
    {
        // Within one second, the leg that got further came first: B is only dialled once A has answered.
        var byFirstSeen = facts.Legs.Values
            .OrderBy(l => l.FirstSeen.At)
            .ThenByDescending(l => l.FirstSeen.Stage)
            .ThenBy(l => l.Number, StringComparer.Ordinal)
            .Select(l => l.Number);
        var a = cdr?.CalleeNum ?? facts.Disconnect?.Value.Called ?? byFirstSeen.FirstOrDefault();
        if (scenario != CallScenario.Callback) return (a, null);
        var b = cdr?.FwdDstNum ?? byFirstSeen.FirstOrDefault(n => n != a);
        return (a, b);
    }

    private static LegFacts? StatusOf(CallFacts facts, string? number) =>
        number is not null && facts.Legs.TryGetValue(number, out var leg) ? leg : null;

    /// <summary>The CDR's times where it has them (it is the record), the status pushes' where it does not.</summary>
    private static CallLeg Leg(string? number, LegFacts? status, DateTimeOffset? dialed, DateTimeOffset? ringing,
        DateTimeOffset? answered, int? q850, DateTimeOffset? endedAt) =>
        new(number,
            dialed ?? status?.DialedAt,
            ringing ?? status?.RingingAt,
            answered ?? status?.AnsweredAt,
            endedAt,
            q850 is { } code ? Q850Cause.Find(code)?.ToMeaning() : null);

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
    private static CallOutcome OutcomeOf(bool answered, CallScenario scenario, List<CallLeg> legs, CdrView? cdr, StatusEvent? disconnect)
    {
        if (answered) return CallOutcome.Answered;

        var hangupVerdict = disconnect?.StateCode is { } state ? HangupCause.Find(state)?.Implies : null;
        var releaseVerdict = cdr?.UlFailReason is { } release ? ReleasePoint.Find(release)?.Implies : null;
        var aAnswered = legs.Count > 0 && legs[0].AnsweredAt is not null;
        if (scenario == CallScenario.Callback && aAnswered
            && (hangupVerdict == CallOutcome.CallerAbandoned || releaseVerdict == CallOutcome.CallerAbandoned))
            return CallOutcome.CallerAbandoned;

        // In a callback the leg that failed is A unless A answered, then it is B.
        var failingCause = scenario == CallScenario.Callback && aAnswered ? cdr?.FwdUnaswRsn : cdr?.CallOutUnaswRsn;
        var verdict =
            (failingCause is { } q850 ? Q850Cause.Find(q850)?.Implies : null)
            ?? releaseVerdict
            ?? (cdr?.SipStatusCode is { } sip ? SipStatus.Find(sip)?.Implies : null)
            ?? hangupVerdict;
        if (verdict is { } found) return found;
        return legs.Any(l => l.RingingAt is not null) ? CallOutcome.NoAnswer : CallOutcome.Failed;
    }

    /// <summary>Seconds from the answer to the end; null, with a problem, when the clocks say the end came first.</summary>
    private static int? TalkSeconds(DateTimeOffset? answeredAt, DateTimeOffset? end, out string? problem)
    {
        problem = null;
        if (answeredAt is not { } from || end is not { } to) return null;
        var seconds = Math.Floor((to - from).TotalSeconds);
        if (seconds is >= 0 and <= int.MaxValue) return (int)seconds;
        problem = $"talkSeconds: the answer at {PushFields.FormatTime(from)} is not before the end at {PushFields.FormatTime(to)}";
        return null;
    }

    /// <summary>Digits from collectInfo pushes; a call known only from its CDR falls back to the IVR path ("1-2").</summary>
    private static IReadOnlyList<string> DigitsOf(CallFacts facts, CdrView? cdr)
    {
        if (!facts.Digits.IsEmpty) return [.. facts.Digits.Select(d => d.Digits)];
        return cdr?.DynIvrPath is { } path ? path.Split('-', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : [];
    }
}
