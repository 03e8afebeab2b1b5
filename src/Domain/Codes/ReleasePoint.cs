using static CallGrains.Domain.Calls.CallOutcome;

namespace CallGrains.Domain.Codes;

/// <summary>The CDR's <c>ulFailReason</c>: where the platform released the call. 400-699 are SIP responses.</summary>
public static class ReleasePoint
{
    /// <summary>"Remote call failed: see the Q.850 cause", so it gives no verdict of its own.</summary>
    public const int SeeQ850 = 518;

    public static IReadOnlyDictionary<int, CodeEntry> Table { get; } = CodeTable.Of(
    [
        new(0, "normal", null),
        // Digits not collected is how a notification went, not whether it reached anyone.
        new(100, "no digits collected", null),
        .. Enumerable.Range(501, 12).Select(code => new CodeEntry(code, "recording set-up failure", Failed)),
        new(513, "call timed out", NoAnswer),
        new(514, "ringing timed out", NoAnswer),
        new(515, "remote cancelled", Rejected),
        new(516, "local cancelled", CallerAbandoned),
        new(517, "platform response timeout", Failed),
        new(SeeQ850, "remote call failed (see Q.850)", null),
        new(519, "local call failed", Failed),
        new(520, "local call failed", Failed),
        new(521, "remote released before ringing", Unreachable),
        new(522, "no voice ports", Failed),
        new(524, "audio file missing", Failed),
        new(528, "number prefix not allowed", Failed),
        new(529, "appkey does not exist", Failed),
        new(530, "A hung up before B was called", CallerAbandoned),
        new(539, "recording flow unfinished", Failed),
        new(540, "recording flow unfinished", Failed),
        new(550, "local ringing failure or hang-up", Failed),
        new(551, "local ringing failure or hang-up", Failed),
        new(552, "local ringing failure or hang-up", Failed),
        new(553, "local ringing failure or hang-up", Failed),
    ]);

    /// <summary>
    /// The entry for a release point; a SIP code (400-699) reads as <see cref="SipStatus"/>. An unpublished release
    /// point gets a generic meaning and no verdict, so that the SIP status or the hang-up cause can still decide.
    /// </summary>
    public static CodeEntry? Find(int code) =>
        Table.GetValueOrDefault(code) ?? SipStatus.Find(code) ?? new CodeEntry(code, $"release point {code}", null);
}
