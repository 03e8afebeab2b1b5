using System.Text.Json.Serialization;

namespace CallGrains.Domain.Calls;

/// <summary>
/// The one answer per call that clients read (api-contract.md, "GET /v1/calls/{sessionId}").
/// Produced by <see cref="CallFold"/> from the set of a session's pushes; <see cref="Request"/>
/// and <see cref="UpdatedAt"/> are filled in outside the fold.
/// </summary>
public sealed record CallView(
    string SessionId,
    CallScenario Scenario,
    CallStatus Status,
    bool Final,
    CallOutcome? Outcome,
    IReadOnlyList<CallLeg> Legs,
    Hangup? Hangup,
    IReadOnlyList<string> Digits,
    int? TalkSeconds,
    int? BillableMinutes,
    string? UserData,
    RequestRef? Request,
    CdrView? Cdr,
    IReadOnlyList<string> Problems,
    int Version,
    DateTimeOffset? UpdatedAt,
    string? Caller)
{
    /// <summary>Ended, no CDR, and past the platform's last CDR re-send (<see cref="StuckCallPolicy"/>); set when read.</summary>
    public bool CdrOverdue { get; init; }

    /// <summary>In progress and silent past the configured time (<see cref="StuckCallPolicy"/>); set when read.</summary>
    public bool Stale { get; init; }

    /// <summary>Items that failed a check (e.g. a signature): stored and listed here, but they decide nothing in the view.</summary>
    public IReadOnlyList<UnverifiedItem> Unverified { get; init; } = [];

    /// <summary>A session limit cut something (<see cref="SessionLimits"/>): what the view shows is not everything that arrived.</summary>
    public bool Capped { get; init; }
}

/// <summary>An item kept but not believed: its event type and why it was not verified.</summary>
public sealed record UnverifiedItem(string EventType, string Reason);

public enum CallScenario { Unknown, Callback, Notification, Verification }

/// <summary>Ordered: a call's status only ever moves to a greater value.</summary>
public enum CallStatus { Dialing, Ringing, Answered, Ended }

public enum CallOutcome { Answered, NoAnswer, Busy, Rejected, Unreachable, InvalidNumber, CallerAbandoned, Failed }

/// <summary>One dialled party. In a callback, A (dialled first) then B.</summary>
public sealed record CallLeg(
    string? Number,
    DateTimeOffset? DialedAt,
    DateTimeOffset? RingingAt,
    DateTimeOffset? AnsweredAt,
    DateTimeOffset? EndedAt,
    CodeMeaning? FailureCause);

/// <summary>A code with its published meaning, e.g. Q.850 17 "user busy".</summary>
public sealed record CodeMeaning(int Code, string Meaning);

/// <summary>What the <c>disconnect</c> push said about the release.</summary>
public sealed record Hangup(int? StateCode, string? StateDesc, string? Meaning);

/// <summary>The business request a call belongs to (registered with PUT /v1/requests/{userData}).</summary>
public sealed record RequestRef(string UserData, string Kind, string BusinessId);

/// <summary>The merged CDR with its fields typed. Absent or empty values are null; unknown fields are kept in <see cref="Extra"/> as raw JSON text.</summary>
public sealed record CdrView(
    int? Direction,
    string? SpId,
    string? AppKey,
    string? Icid,
    string? BindNum,
    string? CallerNum,
    string? CalleeNum,
    DateTimeOffset? CallOutStartTime,
    DateTimeOffset? CallOutAlertingTime,
    DateTimeOffset? CallOutAnswerTime,
    int? CallOutUnaswRsn,
    string? FwdDisplayNum,
    string? FwdDstNum,
    DateTimeOffset? FwdStartTime,
    DateTimeOffset? FwdAlertingTime,
    DateTimeOffset? FwdAnswerTime,
    int? FwdUnaswRsn,
    DateTimeOffset? CallEndTime,
    DateTimeOffset? FailTime,
    int? UlFailReason,
    int? SipStatusCode,
    int? RecordFlag,
    DateTimeOffset? RecordStartTime,
    string? RecordObjectName,
    string? RecordBucketName,
    string? RecordDomain,
    string? RecordFileDownloadUrl,
    [property: JsonPropertyName("dynIVRStartTime")] DateTimeOffset? DynIvrStartTime,
    [property: JsonPropertyName("dynIVRPath")] string? DynIvrPath,
    int? TtsPlayTimes,
    int? TtsTransDuration,
    string? ServiceType,
    string? HostName,
    string? UserData,
    IReadOnlyDictionary<string, string>? Extra);
