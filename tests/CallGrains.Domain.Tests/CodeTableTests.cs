using CallGrains.Domain.Calls;
using CallGrains.Domain.Codes;
using static CallGrains.Domain.Calls.CallOutcome;

namespace CallGrains.Domain.Tests;

/// <summary>The published codes, what they mean and the outcome each implies for an unanswered call (null: no verdict).</summary>
public sealed class CodeTableTests
{
    [Theory]
    [InlineData(0, "normal release after connect", null)]
    [InlineData(7001, "call-frequency control (developer)", Failed)]
    [InlineData(7002, "call-frequency control (app)", Failed)]
    [InlineData(7003, "call-frequency control (display number)", Failed)]
    [InlineData(7004, "callee blacklisted", Rejected)]
    [InlineData(7005, "caller blacklisted", Rejected)]
    [InlineData(7108, "account frozen", Failed)]
    [InlineData(7109, "no free voice ports", Failed)]
    [InlineData(8000, "internal error", Failed)]
    [InlineData(8001, "could not connect (line or carrier fault, callee off, busy, no answer)", Failed)]
    [InlineData(8002, "far end played a failure announcement", Failed)]
    [InlineData(8003, "ringing timed out", NoAnswer)]
    [InlineData(8004, "hung up while ringing", Rejected)]
    [InlineData(8005, "TTS failed", Failed)]
    [InlineData(8006, "audio file missing", Failed)]
    [InlineData(8007, "playback failed", Failed)]
    [InlineData(8008, "digit collection failed (no key within 5 s of the prompt)", Failed)]
    [InlineData(8009, "caller hung up before connect", CallerAbandoned)]
    [InlineData(8010, "maximum duration reached", null)]
    [InlineData(8012, "invalid app_key", Failed)]
    [InlineData(8015, "recording failed", Failed)]
    [InlineData(8017, "hang-up requested by the business", Failed)]
    [InlineData(8018, "no permission", Failed)]
    [InlineData(8020, "service exception", Failed)]
    [InlineData(8100, "callee number does not exist", InvalidNumber)]
    [InlineData(8101, "callee no answer", NoAnswer)]
    [InlineData(8102, "callee busy", Busy)]
    [InlineData(8103, "callee unreachable", Unreachable)]
    [InlineData(8104, "callee powered off", Unreachable)]
    [InlineData(8105, "callee hung up or suspended", Rejected)]
    [InlineData(8106, "caller (A) number does not exist", InvalidNumber)]
    [InlineData(8107, "A no answer", NoAnswer)]
    [InlineData(8108, "A busy", Busy)]
    [InlineData(8109, "A unreachable", Unreachable)]
    [InlineData(8110, "A powered off", Unreachable)]
    [InlineData(8111, "A hung up or suspended", Rejected)]
    public void Every_hangup_cause_has_its_published_meaning_and_outcome(int code, string meaning, CallOutcome? outcome) =>
        Assert.Equal(new CodeEntry(code, meaning, outcome), HangupCause.Find(code));

    [Fact]
    public void The_hangup_table_holds_exactly_the_published_causes() => Assert.Equal(36, HangupCause.Table.Count);

    [Theory]
    [InlineData(1)]
    [InlineData(8011)]
    [InlineData(9999)]
    [InlineData(-1)]
    public void An_unpublished_hangup_cause_has_no_entry(int code) => Assert.Null(HangupCause.Find(code));

    [Theory]
    [InlineData(1, "unallocated number", InvalidNumber)]
    [InlineData(16, "normal clearing", NoAnswer)]
    [InlineData(17, "user busy", Busy)]
    [InlineData(18, "no user responding", NoAnswer)]
    [InlineData(19, "no answer", NoAnswer)]
    [InlineData(20, "subscriber absent", Unreachable)]
    [InlineData(21, "rejected", Rejected)]
    [InlineData(22, "number changed", InvalidNumber)]
    [InlineData(27, "destination out of order", Unreachable)]
    [InlineData(28, "invalid number format", InvalidNumber)]
    [InlineData(31, "normal unspecified", NoAnswer)]
    [InlineData(34, "no circuit", Failed)]
    [InlineData(38, "network out of order", Failed)]
    [InlineData(41, "temporary failure", Failed)]
    [InlineData(42, "congestion", Failed)]
    [InlineData(47, "resource unavailable", Failed)]
    [InlineData(127, "interworking", Failed)]
    public void Every_listed_q850_cause_has_its_meaning_and_outcome(int code, string meaning, CallOutcome? outcome) =>
        Assert.Equal(new CodeEntry(code, meaning, outcome), Q850Cause.Find(code));

    [Fact]
    public void Q850_zero_means_not_applicable() => Assert.Null(Q850Cause.Find(0));

    [Theory]
    [InlineData(2)]
    [InlineData(99)]
    [InlineData(-5)]
    public void An_unlisted_q850_cause_is_a_failure_with_a_generic_meaning(int code) =>
        Assert.Equal(new CodeEntry(code, $"Q.850 cause {code}", Failed), Q850Cause.Find(code));

    [Theory]
    [InlineData(0, "normal", null)]
    [InlineData(100, "no digits collected", null)]
    [InlineData(501, "recording set-up failure", Failed)]
    [InlineData(506, "recording set-up failure", Failed)]
    [InlineData(512, "recording set-up failure", Failed)]
    [InlineData(513, "call timed out", NoAnswer)]
    [InlineData(514, "ringing timed out", NoAnswer)]
    [InlineData(515, "remote cancelled", Rejected)]
    [InlineData(516, "local cancelled", CallerAbandoned)]
    [InlineData(517, "platform response timeout", Failed)]
    [InlineData(518, "remote call failed (see Q.850)", null)]
    [InlineData(519, "local call failed", Failed)]
    [InlineData(520, "local call failed", Failed)]
    [InlineData(521, "remote released before ringing", Unreachable)]
    [InlineData(522, "no voice ports", Failed)]
    [InlineData(524, "audio file missing", Failed)]
    [InlineData(528, "number prefix not allowed", Failed)]
    [InlineData(529, "appkey does not exist", Failed)]
    [InlineData(530, "A hung up before B was called", CallerAbandoned)]
    [InlineData(539, "recording flow unfinished", Failed)]
    [InlineData(540, "recording flow unfinished", Failed)]
    [InlineData(550, "local ringing failure or hang-up", Failed)]
    [InlineData(551, "local ringing failure or hang-up", Failed)]
    [InlineData(552, "local ringing failure or hang-up", Failed)]
    [InlineData(553, "local ringing failure or hang-up", Failed)]
    public void Every_release_point_has_its_published_meaning_and_outcome(int code, string meaning, CallOutcome? outcome) =>
        Assert.Equal(new CodeEntry(code, meaning, outcome), ReleasePoint.Find(code));

    [Fact]
    public void A_published_release_point_wins_over_the_sip_response_of_the_same_number() =>
        Assert.Equal("recording set-up failure", ReleasePoint.Find(503)!.Meaning);

    [Theory]
    [InlineData(404, InvalidNumber)]
    [InlineData(486, Busy)]
    [InlineData(603, Rejected)]
    [InlineData(499, Failed)]
    [InlineData(523, Failed)]
    [InlineData(600, Busy)]
    public void An_unpublished_release_point_in_the_sip_range_reads_as_that_sip_response(int code, CallOutcome outcome)
    {
        Assert.Equal(SipStatus.Find(code), ReleasePoint.Find(code));
        Assert.Equal(outcome, ReleasePoint.Find(code)!.Implies);
    }

    [Theory]
    [InlineData(101)]
    [InlineData(399)]
    [InlineData(700)]
    public void An_unpublished_release_point_has_a_generic_meaning_and_no_verdict(int code) =>
        Assert.Equal(new CodeEntry(code, $"release point {code}", null), ReleasePoint.Find(code));

    [Theory]
    [InlineData(404, InvalidNumber)]
    [InlineData(484, InvalidNumber)]
    [InlineData(604, InvalidNumber)]
    [InlineData(486, Busy)]
    [InlineData(600, Busy)]
    [InlineData(408, NoAnswer)]
    [InlineData(487, NoAnswer)]
    [InlineData(480, Unreachable)]
    [InlineData(603, Rejected)]
    [InlineData(400, Failed)]
    [InlineData(500, Failed)]
    [InlineData(699, Failed)]
    public void Sip_failure_responses_imply_outcomes(int code, CallOutcome outcome) => Assert.Equal(outcome, SipStatus.Find(code)!.Implies);

    [Theory]
    [InlineData(0)]
    [InlineData(200)]
    [InlineData(399)]
    [InlineData(700)]
    public void Codes_outside_4xx_to_6xx_are_no_sip_failure(int code) => Assert.Null(SipStatus.Find(code));

    [Fact]
    public void An_unlisted_sip_failure_has_a_generic_meaning() =>
        Assert.Equal(new CodeEntry(502, "SIP 502", Failed), SipStatus.Find(502));

    [Fact]
    public void Every_listed_code_has_a_meaning_and_is_filed_under_its_own_code()
    {
        foreach (var table in new[] { HangupCause.Table, Q850Cause.Table, ReleasePoint.Table, SipStatus.Table })
            Assert.All(table, entry =>
            {
                Assert.Equal(entry.Key, entry.Value.Code);
                Assert.False(string.IsNullOrWhiteSpace(entry.Value.Meaning));
            });
    }
}
