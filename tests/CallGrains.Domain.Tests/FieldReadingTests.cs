using CallGrains.Domain.Calls;
using CallGrains.Domain.Pushes;
using static CallGrains.Domain.Tests.Given;

namespace CallGrains.Domain.Tests;

/// <summary>Integers as numbers or numeric strings, text where text is due; anything else is a named problem, never an exception.</summary>
public sealed class FieldReadingTests
{
    [Theory]
    [InlineData("17", 17)]
    [InlineData("\"17\"", 17)]
    [InlineData("\" 17 \"", 17)]
    [InlineData("\"-1\"", -1)]
    [InlineData("17.0", 17)]
    [InlineData("\"\"", null)]
    [InlineData("\"  \"", null)]
    [InlineData("null", null)]
    public void Integers_arrive_as_numbers_or_numeric_strings(string value, int? expected)
    {
        var view = Fold(Cdr($"\"calleeNum\":\"{A}\",\"callOutUnaswRsn\":{value}"));

        Assert.Equal(expected, view.Cdr!.CallOutUnaswRsn);
        Assert.Empty(view.Problems);
    }

    [Theory]
    [InlineData("\"abc\"", "callOutUnaswRsn: 'abc' is not a number")]
    [InlineData("\"x17\"", "callOutUnaswRsn: 'x17' is not a number")]
    [InlineData("\"1.5\"", "callOutUnaswRsn: '1.5' is not a number")]
    [InlineData("1.5", "callOutUnaswRsn: '1.5' is not a whole number")]
    [InlineData("1e-3", "callOutUnaswRsn: '1e-3' is not a whole number")]
    [InlineData("99999999999", "callOutUnaswRsn: '99999999999' is out of range")]
    [InlineData("\"99999999999\"", "callOutUnaswRsn: '99999999999' is out of range")]
    [InlineData("{\"a\":1}", "callOutUnaswRsn: '{\"a\":1}' is not a number")]
    [InlineData("[17]", "callOutUnaswRsn: '[17]' is not a number")]
    [InlineData("true", "callOutUnaswRsn: 'true' is not a number")]
    public void An_unreadable_integer_is_a_problem_and_reads_as_absent(string value, string problem)
    {
        var view = Fold(Cdr($"\"calleeNum\":\"{A}\",\"callOutUnaswRsn\":{value}"));

        Assert.Equal([problem], view.Problems);
        Assert.Null(view.Cdr!.CallOutUnaswRsn);
    }

    [Fact]
    public void A_bad_state_code_is_a_problem_and_the_call_still_ends()
    {
        var view = Fold(Status("disconnect", $"\"timestamp\":\"2019-01-24 03:04:40\",\"called\":\"{A}\",\"stateCode\":\"abc\",\"stateDesc\":\"?\""));

        Assert.Equal(CallStatus.Ended, view.Status);
        Assert.Equal(["stateCode: 'abc' is not a number"], view.Problems);
        Assert.Equal(new Hangup(null, "?", null), view.Hangup);
        Assert.Equal(CallOutcome.Failed, view.Outcome);
    }

    [Fact]
    public void Numbers_may_arrive_as_strings_and_phone_numbers_as_numbers()
    {
        var view = Fold(
            Status("disconnect", "\"timestamp\":\"2019-01-24 03:04:40\",\"called\":8613800000021,\"stateCode\":\" 8102 \""),
            Cdr("\"calleeNum\":8613800000021,\"serviceType\":\"001\",\"callEndTime\":\"2019-01-24 03:04:40\",\"ulFailReason\":\"0\",\"sipStatusCode\":\"486\""));

        Assert.Equal(8102, view.Hangup!.StateCode);
        Assert.Equal("8613800000021", Assert.Single(view.Legs).Number);
        Assert.Equal(486, view.Cdr!.SipStatusCode);
        Assert.Equal(CallOutcome.Busy, view.Outcome);
        Assert.Empty(view.Problems);
    }

    [Theory]
    [InlineData("true", "calleeNum: 'true' is not text")]
    [InlineData("{\"n\":1}", "calleeNum: '{\"n\":1}' is not text")]
    [InlineData("[\"+86\"]", "calleeNum: '[\"+86\"]' is not text")]
    public void A_non_text_value_where_text_is_due_is_a_problem_and_reads_as_absent(string value, string problem)
    {
        var view = Fold(Cdr($"\"calleeNum\":{value},\"callEndTime\":\"2019-01-24 03:04:40\""));

        Assert.Equal([problem], view.Problems);
        Assert.Null(view.Cdr!.CalleeNum);
    }

    [Fact]
    public void Unknown_cdr_fields_are_kept_as_raw_json_and_unknown_status_fields_are_ignored()
    {
        var view = Fold(
            Status("callout", $"\"timestamp\":\"2019-01-24 03:04:24\",\"called\":\"{A}\",\"mptyId\":\"m-1\""),
            Cdr($"\"calleeNum\":\"{A}\",\"endToEndID\":543207693,\"origCalleeNum\":\"+86100\",\"nested\":{{\"a\":[1,2]}}"));

        Assert.Equal(
            new Dictionary<string, string> { ["endToEndID"] = "543207693", ["nested"] = "{\"a\":[1,2]}", ["origCalleeNum"] = "\"+86100\"" },
            view.Cdr!.Extra);
        Assert.Empty(view.Problems);
    }

    [Fact]
    public void Over_long_text_is_shortened_in_a_problem()
    {
        var view = Fold(Cdr($"\"calleeNum\":\"{A}\",\"ttsPlayTimes\":\"{new string('x', 500)}\""));

        var problem = Assert.Single(view.Problems);
        Assert.True(problem.Length < 120, problem);
        Assert.StartsWith("ttsPlayTimes: 'xxx", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_string_that_is_valid_json_but_not_text_is_a_problem_not_an_exception()
    {
        var view = Fold(Status("disconnect", $"\"timestamp\":\"2019-01-24 03:04:40\",\"called\":\"{A}\",\"stateCode\":0,\"stateDesc\":\"\\uD800\""));

        Assert.Equal(["stateDesc: '\"\\uD800\"' is not valid text"], view.Problems);
        Assert.Equal(CallStatus.Ended, view.Status);
    }

    [Theory]
    [InlineData("answer", "not json", "the stored 'answer' item is not valid JSON")]
    [InlineData("fee", "{\"sessionId\":", "the stored 'fee' item is not valid JSON")]
    [InlineData("fee", "[1,2]", "the stored 'fee' item is not a JSON object")]
    [InlineData("disconnect", "\"text\"", "the stored 'disconnect' item is not a JSON object")]
    public void A_stored_body_that_cannot_be_read_is_a_problem_not_a_crash(string eventType, string body, string problem)
    {
        var item = Item(eventType, body);

        var view = Fold(item, Status("callout", $"\"timestamp\":\"2019-01-24 03:04:24\",\"called\":\"{A}\""));

        Assert.Equal([problem], view.Problems);
        Assert.Equal(2, view.Version);
        Assert.Equal(KeyOf(item), KeyOf(item with { }));
    }

    [Fact]
    public void A_status_item_without_its_envelope_is_still_read_and_says_so()
    {
        var item = Item("answer", $"{{\"sessionId\":\"{Session}\",\"timestamp\":\"2019-01-24 03:04:31\",\"called\":\"{A}\"}}");

        var view = Fold(item);

        Assert.Equal(CallStatus.Answered, view.Status);
        Assert.Equal(["the 'answer' push has no statusInfo object"], view.Problems);
    }
}
