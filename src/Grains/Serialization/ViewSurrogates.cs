using System.Collections.Immutable;
using CallGrains.Domain.Calls;
using CallGrains.Domain.Pushes;

namespace CallGrains.Serialization;

// A call view and a push item's reading cross grain boundaries typed: in Orleans' binary format between processes,
// not copied at all within one (the grain interface marks them immutable). Lists travel as arrays and a CDR's
// unknown fields as a dictionary, because the domain's collections are whatever built them. Ids and aliases are the
// wire format: append new members at the end, never renumber.

[GenerateSerializer, Immutable, Alias("callgrains.call-view")]
public readonly record struct CallViewSurrogate(
    [property: Id(0)] string SessionId,
    [property: Id(1)] CallScenario Scenario,
    [property: Id(2)] CallStatus Status,
    [property: Id(3)] bool Final,
    [property: Id(4)] CallOutcome? Outcome,
    [property: Id(5)] CallLeg[] Legs,
    [property: Id(6)] Hangup? Hangup,
    [property: Id(7)] string[] Digits,
    [property: Id(8)] int? TalkSeconds,
    [property: Id(9)] int? BillableMinutes,
    [property: Id(10)] string? UserData,
    [property: Id(11)] RequestRef? Request,
    [property: Id(12)] CdrView? Cdr,
    [property: Id(13)] string[] Problems,
    [property: Id(14)] int Version,
    [property: Id(15)] DateTimeOffset? UpdatedAt,
    [property: Id(16)] string? Caller,
    [property: Id(17)] bool CdrOverdue,
    [property: Id(18)] bool Stale,
    [property: Id(19)] UnverifiedItem[] Unverified,
    [property: Id(20)] bool Capped);

[RegisterConverter]
public sealed class CallViewSurrogateConverter : IConverter<CallView, CallViewSurrogate>
{
    public CallView ConvertFromSurrogate(in CallViewSurrogate s) =>
        new(s.SessionId, s.Scenario, s.Status, s.Final, s.Outcome, s.Legs, s.Hangup, s.Digits, s.TalkSeconds, s.BillableMinutes,
            s.UserData, s.Request, s.Cdr, s.Problems, s.Version, s.UpdatedAt, s.Caller)
        {
            CdrOverdue = s.CdrOverdue,
            Stale = s.Stale,
            Unverified = s.Unverified,
            Capped = s.Capped,
        };

    public CallViewSurrogate ConvertToSurrogate(in CallView v) =>
        new(v.SessionId, v.Scenario, v.Status, v.Final, v.Outcome, [.. v.Legs], v.Hangup, [.. v.Digits], v.TalkSeconds, v.BillableMinutes,
            v.UserData, v.Request, v.Cdr, [.. v.Problems], v.Version, v.UpdatedAt, v.Caller, v.CdrOverdue, v.Stale, [.. v.Unverified], v.Capped);
}

[GenerateSerializer, Immutable, Alias("callgrains.call-leg")]
public readonly record struct CallLegSurrogate(
    [property: Id(0)] string? Number,
    [property: Id(1)] DateTimeOffset? DialedAt,
    [property: Id(2)] DateTimeOffset? RingingAt,
    [property: Id(3)] DateTimeOffset? AnsweredAt,
    [property: Id(4)] DateTimeOffset? EndedAt,
    [property: Id(5)] CodeMeaning? FailureCause);

[RegisterConverter]
public sealed class CallLegSurrogateConverter : IConverter<CallLeg, CallLegSurrogate>
{
    public CallLeg ConvertFromSurrogate(in CallLegSurrogate s) => new(s.Number, s.DialedAt, s.RingingAt, s.AnsweredAt, s.EndedAt, s.FailureCause);

    public CallLegSurrogate ConvertToSurrogate(in CallLeg v) => new(v.Number, v.DialedAt, v.RingingAt, v.AnsweredAt, v.EndedAt, v.FailureCause);
}

[GenerateSerializer, Immutable, Alias("callgrains.code-meaning")]
public readonly record struct CodeMeaningSurrogate([property: Id(0)] int Code, [property: Id(1)] string Meaning);

[RegisterConverter]
public sealed class CodeMeaningSurrogateConverter : IConverter<CodeMeaning, CodeMeaningSurrogate>
{
    public CodeMeaning ConvertFromSurrogate(in CodeMeaningSurrogate s) => new(s.Code, s.Meaning);

    public CodeMeaningSurrogate ConvertToSurrogate(in CodeMeaning v) => new(v.Code, v.Meaning);
}

[GenerateSerializer, Immutable, Alias("callgrains.hangup")]
public readonly record struct HangupSurrogate([property: Id(0)] int? StateCode, [property: Id(1)] string? StateDesc, [property: Id(2)] string? Meaning);

[RegisterConverter]
public sealed class HangupSurrogateConverter : IConverter<Hangup, HangupSurrogate>
{
    public Hangup ConvertFromSurrogate(in HangupSurrogate s) => new(s.StateCode, s.StateDesc, s.Meaning);

    public HangupSurrogate ConvertToSurrogate(in Hangup v) => new(v.StateCode, v.StateDesc, v.Meaning);
}

[GenerateSerializer, Immutable, Alias("callgrains.request-ref")]
public readonly record struct RequestRefSurrogate([property: Id(0)] string UserData, [property: Id(1)] string Kind, [property: Id(2)] string BusinessId);

[RegisterConverter]
public sealed class RequestRefSurrogateConverter : IConverter<RequestRef, RequestRefSurrogate>
{
    public RequestRef ConvertFromSurrogate(in RequestRefSurrogate s) => new(s.UserData, s.Kind, s.BusinessId);

    public RequestRefSurrogate ConvertToSurrogate(in RequestRef v) => new(v.UserData, v.Kind, v.BusinessId);
}

[GenerateSerializer, Immutable, Alias("callgrains.unverified-item")]
public readonly record struct UnverifiedItemSurrogate([property: Id(0)] string EventType, [property: Id(1)] string Reason);

[RegisterConverter]
public sealed class UnverifiedItemSurrogateConverter : IConverter<UnverifiedItem, UnverifiedItemSurrogate>
{
    public UnverifiedItem ConvertFromSurrogate(in UnverifiedItemSurrogate s) => new(s.EventType, s.Reason);

    public UnverifiedItemSurrogate ConvertToSurrogate(in UnverifiedItem v) => new(v.EventType, v.Reason);
}

[GenerateSerializer, Immutable, Alias("callgrains.cdr-view")]
public readonly record struct CdrViewSurrogate(
    [property: Id(0)] int? Direction,
    [property: Id(1)] string? SpId,
    [property: Id(2)] string? AppKey,
    [property: Id(3)] string? Icid,
    [property: Id(4)] string? BindNum,
    [property: Id(5)] string? CallerNum,
    [property: Id(6)] string? CalleeNum,
    [property: Id(7)] DateTimeOffset? CallOutStartTime,
    [property: Id(8)] DateTimeOffset? CallOutAlertingTime,
    [property: Id(9)] DateTimeOffset? CallOutAnswerTime,
    [property: Id(10)] int? CallOutUnaswRsn,
    [property: Id(11)] string? FwdDisplayNum,
    [property: Id(12)] string? FwdDstNum,
    [property: Id(13)] DateTimeOffset? FwdStartTime,
    [property: Id(14)] DateTimeOffset? FwdAlertingTime,
    [property: Id(15)] DateTimeOffset? FwdAnswerTime,
    [property: Id(16)] int? FwdUnaswRsn,
    [property: Id(17)] DateTimeOffset? CallEndTime,
    [property: Id(18)] DateTimeOffset? FailTime,
    [property: Id(19)] int? UlFailReason,
    [property: Id(20)] int? SipStatusCode,
    [property: Id(21)] int? RecordFlag,
    [property: Id(22)] DateTimeOffset? RecordStartTime,
    [property: Id(23)] string? RecordObjectName,
    [property: Id(24)] string? RecordBucketName,
    [property: Id(25)] string? RecordDomain,
    [property: Id(26)] string? RecordFileDownloadUrl,
    [property: Id(27)] DateTimeOffset? DynIvrStartTime,
    [property: Id(28)] string? DynIvrPath,
    [property: Id(29)] int? TtsPlayTimes,
    [property: Id(30)] int? TtsTransDuration,
    [property: Id(31)] string? ServiceType,
    [property: Id(32)] string? HostName,
    [property: Id(33)] string? UserData,
    [property: Id(34)] Dictionary<string, string>? Extra);

[RegisterConverter]
public sealed class CdrViewSurrogateConverter : IConverter<CdrView, CdrViewSurrogate>
{
    public CdrView ConvertFromSurrogate(in CdrViewSurrogate s) =>
        new(s.Direction, s.SpId, s.AppKey, s.Icid, s.BindNum, s.CallerNum, s.CalleeNum,
            s.CallOutStartTime, s.CallOutAlertingTime, s.CallOutAnswerTime, s.CallOutUnaswRsn,
            s.FwdDisplayNum, s.FwdDstNum, s.FwdStartTime, s.FwdAlertingTime, s.FwdAnswerTime, s.FwdUnaswRsn,
            s.CallEndTime, s.FailTime, s.UlFailReason, s.SipStatusCode, s.RecordFlag, s.RecordStartTime,
            s.RecordObjectName, s.RecordBucketName, s.RecordDomain, s.RecordFileDownloadUrl, s.DynIvrStartTime, s.DynIvrPath,
            s.TtsPlayTimes, s.TtsTransDuration, s.ServiceType, s.HostName, s.UserData,
            // Sorted again, as the reading keeps them: the view lists them in ordinal order.
            s.Extra?.ToImmutableSortedDictionary(StringComparer.Ordinal));

    public CdrViewSurrogate ConvertToSurrogate(in CdrView v) =>
        new(v.Direction, v.SpId, v.AppKey, v.Icid, v.BindNum, v.CallerNum, v.CalleeNum,
            v.CallOutStartTime, v.CallOutAlertingTime, v.CallOutAnswerTime, v.CallOutUnaswRsn,
            v.FwdDisplayNum, v.FwdDstNum, v.FwdStartTime, v.FwdAlertingTime, v.FwdAnswerTime, v.FwdUnaswRsn,
            v.CallEndTime, v.FailTime, v.UlFailReason, v.SipStatusCode, v.RecordFlag, v.RecordStartTime,
            v.RecordObjectName, v.RecordBucketName, v.RecordDomain, v.RecordFileDownloadUrl, v.DynIvrStartTime, v.DynIvrPath,
            v.TtsPlayTimes, v.TtsTransDuration, v.ServiceType, v.HostName, v.UserData,
            v.Extra is null ? null : new Dictionary<string, string>(v.Extra, StringComparer.Ordinal));
}

[GenerateSerializer, Immutable, Alias("callgrains.status-event")]
public readonly record struct StatusEventSurrogate(
    [property: Id(0)] StatusEventType Type,
    [property: Id(1)] DateTimeOffset? Timestamp,
    [property: Id(2)] string? Caller,
    [property: Id(3)] string? Called,
    [property: Id(4)] int? StateCode,
    [property: Id(5)] string? StateDesc,
    [property: Id(6)] string? DigitInfo,
    [property: Id(7)] string? PartyType,
    [property: Id(8)] string? UserData);

[RegisterConverter]
public sealed class StatusEventSurrogateConverter : IConverter<StatusEvent, StatusEventSurrogate>
{
    public StatusEvent ConvertFromSurrogate(in StatusEventSurrogate s) =>
        new(s.Type, s.Timestamp, s.Caller, s.Called, s.StateCode, s.StateDesc, s.DigitInfo, s.PartyType, s.UserData);

    public StatusEventSurrogate ConvertToSurrogate(in StatusEvent v) =>
        new(v.Type, v.Timestamp, v.Caller, v.Called, v.StateCode, v.StateDesc, v.DigitInfo, v.PartyType, v.UserData);
}

[GenerateSerializer, Immutable, Alias("callgrains.item-reading")]
public readonly record struct ItemReadingSurrogate(
    [property: Id(0)] string Key,
    [property: Id(1)] StatusEvent? Status,
    [property: Id(2)] CdrView? Cdr,
    [property: Id(3)] int CdrCompleteness,
    [property: Id(4)] string? UserData,
    [property: Id(5)] string[] Problems,
    [property: Id(6)] UnverifiedItem? Quarantined);

[RegisterConverter]
public sealed class ItemReadingSurrogateConverter : IConverter<ItemReading, ItemReadingSurrogate>
{
    public ItemReading ConvertFromSurrogate(in ItemReadingSurrogate s) =>
        new(s.Key, s.Status, s.Cdr, s.CdrCompleteness, s.UserData, s.Problems, s.Quarantined);

    public ItemReadingSurrogate ConvertToSurrogate(in ItemReading v) =>
        new(v.Key, v.Status, v.Cdr, v.CdrCompleteness, v.UserData, [.. v.Problems], v.Quarantined);
}
