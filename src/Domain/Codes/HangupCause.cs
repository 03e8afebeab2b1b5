using static CallGrains.Domain.Calls.CallOutcome;

namespace CallGrains.Domain.Codes;

/// <summary>
/// The <c>stateCode</c> of a <c>disconnect</c> push (huawei-push-protocol.md §6). The implied outcome only matters
/// for a call that was not answered: whether it was is decided by answer facts, never by this code.
/// </summary>
public static class HangupCause
{
    public static IReadOnlyDictionary<int, CodeEntry> Table { get; } = CodeTable.Of(
    [
        new(0, "normal release after connect", null),
        new(7001, "call-frequency control (developer)", Failed),
        new(7002, "call-frequency control (app)", Failed),
        new(7003, "call-frequency control (display number)", Failed),
        new(7004, "callee blacklisted", Rejected),
        new(7005, "caller blacklisted", Rejected),
        new(7108, "account frozen", Failed),
        new(7109, "no free voice ports", Failed),
        new(8000, "internal error", Failed),
        new(8001, "could not connect (line or carrier fault, callee off, busy, no answer)", Failed),
        new(8002, "far end played a failure announcement", Failed),
        new(8003, "ringing timed out", NoAnswer),
        new(8004, "hung up while ringing", Rejected),
        new(8005, "TTS failed", Failed),
        new(8006, "audio file missing", Failed),
        new(8007, "playback failed", Failed),
        new(8008, "digit collection failed (no key within 5 s of the prompt)", Failed),
        new(8009, "caller hung up before connect", CallerAbandoned),
        // Only a connected call can run out of time, so it has been answered already.
        new(8010, "maximum duration reached", null),
        new(8012, "invalid app_key", Failed),
        new(8015, "recording failed", Failed),
        // The business may hang up a connected call too; the outcome is only asked of calls that never answered.
        new(8017, "hang-up requested by the business", Failed),
        new(8018, "no permission", Failed),
        new(8020, "service exception", Failed),
        new(8100, "callee number does not exist", InvalidNumber),
        new(8101, "callee no answer", NoAnswer),
        new(8102, "callee busy", Busy),
        new(8103, "callee unreachable", Unreachable),
        new(8104, "callee powered off", Unreachable),
        new(8105, "callee hung up or suspended", Rejected),
        new(8106, "caller (A) number does not exist", InvalidNumber),
        new(8107, "A no answer", NoAnswer),
        new(8108, "A busy", Busy),
        new(8109, "A unreachable", Unreachable),
        new(8110, "A powered off", Unreachable),
        new(8111, "A hung up or suspended", Rejected),
    ]);

    /// <summary>The entry for a code; null for a code the platform has not published (the hang-up then has no meaning).</summary>
    public static CodeEntry? Find(int code) => Table.GetValueOrDefault(code);
}
