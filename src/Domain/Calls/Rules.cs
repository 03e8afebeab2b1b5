namespace CallGrains.Domain.Calls;

/// <summary>
/// Every rule that decides a field of the view, as <see cref="CallRendering"/> applies it and an explanation names it.
/// The ids are part of the API (<c>GET /v1/calls/{sessionId}/explain</c>): add new ones, never rename one.
/// </summary>
public static class Rules
{
    public static readonly Rule Session = new("session", "every item of the call names this session");

    public static readonly Rule ScenarioCdrCallback = new("scenario.cdr-service-type-002", "the CDR's serviceType 002 is a callback");
    public static readonly Rule ScenarioCdrSecondLeg = new("scenario.cdr-second-leg", "the CDR has facts of a second leg, which only a callback has");
    public static readonly Rule ScenarioTwoNumbers = new("scenario.two-numbers", "status pushes dialled two numbers, which only a callback does");
    public static readonly Rule ScenarioDigitsCollected = new("scenario.digits-collected", "a collectInfo arrived, and only a notification collects digits");
    public static readonly Rule ScenarioCdrIvr = new("scenario.cdr-ivr", "the CDR's serviceType 001 with an IVR path, IVR start or TTS plays is a notification");
    public static readonly Rule ScenarioCdrVerification = new("scenario.cdr-service-type-001", "the CDR's serviceType 001 without IVR or TTS is a verification code");
    public static readonly Rule ScenarioUnknown = new("scenario.unknown", "no CDR, no second number and no collected digits: not known yet");

    public static readonly Rule StatusEnded = new("status.ended", "a disconnect or a CDR ends the call, and status never moves back");
    public static readonly Rule StatusFurthestStage = new("status.furthest-stage", "the furthest stage a status push took the call to (dialing < ringing < answered)");

    public static readonly Rule FinalCdr = new("final.cdr", "a call is final once its CDR arrived");
    public static readonly Rule FinalNoCdr = new("final.no-cdr", "no CDR arrived yet");

    public static readonly Rule OutcomeNotEnded = new("outcome.not-ended", "no outcome until the call ended");
    public static readonly Rule OutcomeAnswered = new("outcome.answered", "the conversation leg (B in a callback, else the only leg) answered");
    public static readonly Rule OutcomeDigitsCollected = new("outcome.digits-collected", "digits were collected, so someone picked up");
    public static readonly Rule OutcomeCallerAbandoned = new("outcome.caller-abandoned", "A answered, and the hang-up cause or release point says A hung up before B answered");
    public static readonly Rule OutcomeQ850 = new("outcome.q850", "the failing leg's Q.850 cause (A's, or B's once A answered) implies it");
    public static readonly Rule OutcomeReleasePoint = new("outcome.release-point", "the CDR's release point (ulFailReason) implies it");
    public static readonly Rule OutcomeSipStatus = new("outcome.sip-status", "the CDR's SIP status implies it");
    public static readonly Rule OutcomeHangupCause = new("outcome.hangup-cause", "the disconnect's stateCode implies it");
    public static readonly Rule OutcomeRang = new("outcome.rang", "no code says more, and a leg rang: no-answer");
    public static readonly Rule OutcomeDidNotRing = new("outcome.did-not-ring", "no code says more, and no leg rang: failed");

    public static readonly Rule Legs = new("legs", "one leg per dialled party: A, and B in a callback");
    public static readonly Rule LegNumberCdrCallee = new("leg.number.cdr-callee", "A is the CDR's calleeNum");
    public static readonly Rule LegNumberDisconnect = new("leg.number.disconnect-called", "A is the number on the disconnect, which names A");
    public static readonly Rule LegNumberFirstDialled = new("leg.number.first-dialled", "A is the number seen first (by second; within one second, the leg that got further)");
    public static readonly Rule LegNumberCdrForward = new("leg.number.cdr-fwd-dst", "B is the CDR's fwdDstNum");
    public static readonly Rule LegNumberOther = new("leg.number.other-number", "B is the other number seen first");
    public static readonly Rule LegNumberNone = new("leg.number.none", "no item names this leg's number");
    public static readonly Rule LegTimeCdr = new("leg.time.cdr", "the CDR's time: the CDR is the record and outranks status pushes");
    public static readonly Rule LegTimeEarliestPush = new("leg.time.earliest-push", "the earliest status push of this kind for this leg's number");
    public static readonly Rule LegTimeNone = new("leg.time.none", "no item says when");
    public static readonly Rule LegEndCdr = new("leg.end.cdr-end", "the CDR's callEndTime ends every leg");
    public static readonly Rule LegEndCdrFail = new("leg.end.cdr-fail", "the CDR's failTime, as it has no callEndTime");
    public static readonly Rule LegEndDisconnect = new("leg.end.disconnect", "the disconnect's event time, as no CDR says when");
    public static readonly Rule LegEndNotEnded = new("leg.end.not-ended", "the call has not ended");
    public static readonly Rule LegEndUnknown = new("leg.end.unknown", "the call ended, but no item says when");
    public static readonly Rule LegFailureCdr = new("leg.failure.cdr-q850", "the CDR's Q.850 cause for this leg");
    public static readonly Rule LegFailureNone = new("leg.failure.none", "no Q.850 cause for this leg (none, or 0: not applicable)");

    public static readonly Rule HangupDisconnect = new("hangup.disconnect", "the earliest disconnect (ties: the least item key), its stateCode's published meaning");
    public static readonly Rule HangupNone = new("hangup.none", "no disconnect arrived");

    public static readonly Rule DigitsCollectInfo = new("digits.collect-info", "the digits of every collectInfo, by event time");
    public static readonly Rule DigitsCdrIvrPath = new("digits.cdr-ivr-path", "no collectInfo carried digits: the CDR's dynIVRPath, split at '-'");
    public static readonly Rule DigitsNone = new("digits.none", "no digits were collected");

    public static readonly Rule TalkAnswerToEnd = new("talk.answer-to-end", "whole seconds from the conversation leg's answer to the end (the CDR's callEndTime, else the disconnect)");
    public static readonly Rule TalkNotAnswered = new("talk.not-answered", "the conversation leg has no answer time");
    public static readonly Rule TalkNoEnd = new("talk.no-end", "answered, but no item says when the call ended");
    public static readonly Rule TalkClockProblem = new("talk.clock-problem", "the answer is not before the end: listed in problems instead");
    public static readonly Rule BillableStartedMinutes = new("billing.started-minutes", "the published rule: every started minute of talk");
    public static readonly Rule BillableNoTalk = new("billing.no-talk", "no talk time, nothing to bill");

    public static readonly Rule UserDataCdr = new("userData.cdr", "the CDR's userData outranks status pushes");
    public static readonly Rule UserDataLeast = new("userData.least", "the ordinal-least userData of status pushes and unknown events");
    public static readonly Rule UserDataNone = new("userData.none", "no item carried userData");

    public static readonly Rule CdrMostComplete = new("cdr.most-complete", "the most complete CDR (most fields with a value), then the one that ended latest, then the greatest item key");
    public static readonly Rule CdrNone = new("cdr.none", "no CDR arrived");

    public static readonly Rule Problems = new("problems", "what could not be read in any item merged (the least ones, in ordinal order, past the limit)");
    public static readonly Rule ProblemOfItems = new("problem.item", "the items that carried it could not be read entirely");
    public static readonly Rule ProblemTalkClock = new("problem.talk-clock", "the rendering found the conversation's answer not before its end");

    public static readonly Rule Version = new("version.distinct-items", "one per distinct item merged: duplicates and items past the session's limit do not count");

    public static readonly Rule CallerLeast = new("caller.least", "the ordinal-least caller of the status pushes");
    public static readonly Rule CallerCdr = new("caller.cdr", "no status push named the caller: the CDR's callerNum");
    public static readonly Rule CallerNone = new("caller.none", "no item names the caller");

    public static readonly Rule Unverified = new("unverified.quarantined", "items that failed a check: counted in the version and listed, never believed");
    public static readonly Rule Capped = new("capped", "whether a session limit cut something: items past the item limit, or problems, legs or CDR fields past theirs");

    public static readonly Rule UpdatedAtLastArrival = new("updatedAt.last-arrival", "when the latest stored item arrived");
}
