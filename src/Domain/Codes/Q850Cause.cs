using static CallGrains.Domain.Calls.CallOutcome;

namespace CallGrains.Domain.Codes;

/// <summary>ITU-T Q.850 cause values, as the CDR's <c>callOutUnaswRsn</c> and <c>fwdUnaswRsn</c> carry them; 0 means not applicable.</summary>
public static class Q850Cause
{
    public static IReadOnlyDictionary<int, CodeEntry> Table { get; } = CodeTable.Of(
    [
        new(1, "unallocated number", InvalidNumber),
        // On a leg that never answered, a "normal" clearing is the far end letting it ring out.
        new(16, "normal clearing", NoAnswer),
        new(17, "user busy", Busy),
        new(18, "no user responding", NoAnswer),
        new(19, "no answer", NoAnswer),
        new(20, "subscriber absent", Unreachable),
        new(21, "rejected", Rejected),
        new(22, "number changed", InvalidNumber),
        new(27, "destination out of order", Unreachable),
        new(28, "invalid number format", InvalidNumber),
        new(31, "normal unspecified", NoAnswer),
        new(34, "no circuit", Failed),
        new(38, "network out of order", Failed),
        new(41, "temporary failure", Failed),
        new(42, "congestion", Failed),
        new(47, "resource unavailable", Failed),
        new(127, "interworking", Failed),
    ]);

    /// <summary>The entry for a cause; null for 0 (not applicable). An unlisted cause is still a failure, with a generic meaning.</summary>
    public static CodeEntry? Find(int code) =>
        code == 0 ? null : Table.GetValueOrDefault(code) ?? new CodeEntry(code, $"Q.850 cause {code}", Failed);
}
