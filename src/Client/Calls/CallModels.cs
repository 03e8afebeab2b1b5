using System.Text.Json;
using System.Text.Json.Serialization;

namespace CallGrains.Client;

/// <summary>A call view (<c>GET /v1/calls/{sessionId}</c>); the words (status, outcome, scenario) are the contract's.</summary>
public sealed record Call(
    string SessionId,
    string Scenario,
    string Status,
    bool Final,
    string? Outcome,
    IReadOnlyList<Leg> Legs,
    Hangup? Hangup,
    IReadOnlyList<string> Digits,
    int? TalkSeconds,
    int? BillableMinutes,
    string? UserData,
    RequestRef? Request,
    JsonElement? Cdr,
    IReadOnlyList<string> Problems,
    int Version,
    DateTimeOffset? UpdatedAt,
    string? Caller = null,
    bool CdrOverdue = false,
    bool Stale = false,
    bool Capped = false)
{
    /// <summary>Fields this client does not know yet (the service may add some), as received.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; init; }
}

public sealed record Leg(string? Number, DateTimeOffset? DialedAt, DateTimeOffset? RingingAt, DateTimeOffset? AnsweredAt, DateTimeOffset? EndedAt, Cause? FailureCause);

public sealed record Cause(int Code, string? Meaning);

public sealed record Hangup(int? StateCode, string? StateDesc, string? Meaning);

/// <summary>The business request a call belongs to.</summary>
public sealed record RequestRef(string UserData, string? Kind, string? BusinessId);

/// <summary>One stored push item (<c>GET /v1/calls/{sessionId}/events</c>); <see cref="Body"/> is the item exactly as received.</summary>
public sealed record CallEvent(DateTimeOffset ReceivedAt, string EventType, bool ChangedView, JsonElement Body, string? Flag = null);

/// <summary>One page of <c>GET /v1/calls</c>, newest first; <see cref="Next"/> is the cursor of the next page, or null.</summary>
public sealed record CallPage(IReadOnlyList<Call> Items, string? Next);

/// <summary>The filters of <c>GET /v1/calls</c>; every one is optional.</summary>
public sealed record CallQuery
{
    public string? UserData { get; init; }
    public string? Status { get; init; }
    public string? Outcome { get; init; }
    public DateTimeOffset? Since { get; init; }
    public DateTimeOffset? Until { get; init; }
    /// <summary>1 to 500; the service's default (50) when null.</summary>
    public int? Limit { get; init; }
    public string? Cursor { get; init; }
}
