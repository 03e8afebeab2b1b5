using static CallGrains.Domain.Calls.CallOutcome;

namespace CallGrains.Domain.Codes;

/// <summary>SIP final responses (4xx to 6xx) as the CDR reports them in <c>sipStatusCode</c> or <c>ulFailReason</c>.</summary>
public static class SipStatus
{
    public static IReadOnlyDictionary<int, CodeEntry> Table { get; } = CodeTable.Of(
    [
        new(404, "SIP 404 not found", InvalidNumber),
        new(408, "SIP 408 request timeout", NoAnswer),
        new(480, "SIP 480 temporarily unavailable", Unreachable),
        new(484, "SIP 484 address incomplete", InvalidNumber),
        new(486, "SIP 486 busy here", Busy),
        new(487, "SIP 487 request terminated", NoAnswer),
        new(600, "SIP 600 busy everywhere", Busy),
        new(603, "SIP 603 decline", Rejected),
        new(604, "SIP 604 does not exist anywhere", InvalidNumber),
    ]);

    /// <summary>Failure responses only: 0 ("none") and provisional or success codes are no SIP failure.</summary>
    public static bool Covers(int code) => code is >= 400 and <= 699;

    /// <summary>The entry for a failure response; an unlisted one is a failure with a generic meaning. Null outside 400-699.</summary>
    public static CodeEntry? Find(int code) =>
        !Covers(code) ? null : Table.GetValueOrDefault(code) ?? new CodeEntry(code, $"SIP {code}", Failed);
}
