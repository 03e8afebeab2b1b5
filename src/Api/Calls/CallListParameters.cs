using System.Globalization;
using CallGrains.Api.Operations;
using CallGrains.Domain.Calls;
using CallGrains.Storage;

namespace CallGrains.Api.Calls;

/// <summary>The query string of GET /v1/calls, checked into a <see cref="CallQuery"/>.</summary>
public sealed class CallListParameters
{
    public string? UserData { get; init; }
    public string? Status { get; init; }
    public string? Outcome { get; init; }
    public string? Since { get; init; }
    public string? Until { get; init; }
    public string? Limit { get; init; }
    public string? Cursor { get; init; }
    /// <summary>"cdr-overdue" or "stale": only calls flagged so.</summary>
    public string? Stuck { get; init; }
    /// <summary>"true": only calls with an item that failed a check; "false": only calls without.</summary>
    public string? Unverified { get; init; }

    internal string? Error { get; private set; }

    internal CallQuery? ToQuery(StuckCallWatch watch)
    {
        DateTimeOffset? since = null, until = null;
        if (RouteSegment.Problem(UserData, "userData") is { } problem) return Fail(problem);
        if (!TryWord<CallStatus>(Status, out var status)) return Fail($"status '{Status}' is not one of {ContractWords.List<CallStatus>()}.");
        if (!TryWord<CallOutcome>(Outcome, out var outcome)) return Fail($"outcome '{Outcome}' is not one of {ContractWords.List<CallOutcome>()}.");
        if (Since is not null && !TryTime(Since, out since)) return Fail($"since '{Since}' is not an ISO 8601 time.");
        if (Until is not null && !TryTime(Until, out until)) return Fail($"until '{Until}' is not an ISO 8601 time.");
        if (RouteSegment.Limit(Limit, CallQuery.DefaultLimit, CallQuery.MaxLimit, out var limitError) is not { } limit) return Fail(limitError!);
        if (!CallCursor.TryDecode(Cursor, out var cursor) || RouteSegment.Problem(cursor?.SessionId, "cursor") is not null)
            return Fail("cursor is not one this service handed out.");
        if (!TryWord<StuckKind>(Stuck, out var stuck)) return Fail($"stuck '{Stuck}' is not one of {ContractWords.List<StuckKind>()}.");
        bool? unverified = Unverified switch { null => null, "true" => true, "false" => false, _ => null };
        if (Unverified is not null && unverified is null) return Fail($"unverified '{Unverified}' is not true or false.");
        return new CallQuery(string.IsNullOrEmpty(UserData) ? null : UserData, status, outcome, since, until, limit, cursor,
            stuck is { } kind ? watch.Filter(kind) : null, unverified);
    }

    /// <summary>An optional filter word: absent is fine, present must be one of the contract's words.</summary>
    private static bool TryWord<T>(string? word, out T? value) where T : struct, Enum
    {
        value = null;
        if (word is null) return true;
        if (!ContractWords.TryParse<T>(word, out var parsed)) return false;
        value = parsed;
        return true;
    }

    private CallQuery? Fail(string error)
    {
        Error = error;
        return null;
    }

    internal static bool TryTime(string text, out DateTimeOffset? time)
    {
        var ok = DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed);
        time = ok ? parsed : null;
        return ok;
    }
}
