using System.Text;
using CallGrains.Domain.Pushes;

namespace CallGrains.Domain.Tests;

/// <summary>A push is rejected only when it cannot be kept at all; everything else is split into items kept exactly as received.</summary>
public sealed class PushEnvelopeTests
{
    private static PushParse Parse(string body) => PushEnvelope.Parse(Encoding.UTF8.GetBytes(body), Given.Received);

    private static string Status(string statusInfo, string eventType = "answer") =>
        $"{{\"eventType\":\"{eventType}\",\"statusInfo\":{statusInfo}}}";

    private static string Fee(params string[] entries) => $"{{\"eventType\":\"fee\",\"feeLst\":[{string.Join(',', entries)}]}}";

    [Theory]
    [InlineData("not json", "not valid JSON")]
    [InlineData("", "not valid JSON")]
    [InlineData("{\"eventType\":\"answer\",", "not valid JSON")]
    [InlineData("{\"eventType\":\"answer\"} {}", "not valid JSON")]
    [InlineData("{\"eventType\":\"answer\",/* c */\"statusInfo\":{\"sessionId\":\"s\"}}", "not valid JSON")]
    [InlineData("[]", "a JSON object, not an array")]
    [InlineData("\"push\"", "a JSON object, not a string")]
    [InlineData("42", "a JSON object, not a number")]
    [InlineData("null", "a JSON object, not null")]
    [InlineData("{}", "no eventType")]
    [InlineData("{\"eventType\":42,\"statusInfo\":{\"sessionId\":\"s\"}}", "no eventType")]
    [InlineData("{\"eventType\":\"\",\"statusInfo\":{\"sessionId\":\"s\"}}", "no eventType")]
    [InlineData("{\"eventType\":null,\"statusInfo\":{\"sessionId\":\"s\"}}", "no eventType")]
    [InlineData("{\"eventType\":\"\\uD800\",\"statusInfo\":{\"sessionId\":\"s\"}}", "no eventType")]
    [InlineData("{\"eventType\":\"answer\"}", "'answer' push has no statusInfo object")]
    [InlineData("{\"eventType\":\"answer\",\"statusInfo\":[]}", "no statusInfo object")]
    [InlineData("{\"eventType\":\"answer\",\"statusInfo\":\"s\"}", "no statusInfo object")]
    [InlineData("{\"eventType\":\"callin\",\"body\":{}}", "'callin' push has no statusInfo object")]
    [InlineData("{\"eventType\":\"answer\",\"statusInfo\":{}}", "statusInfo has no sessionId")]
    [InlineData("{\"eventType\":\"answer\",\"statusInfo\":{\"sessionId\":7}}", "statusInfo has no sessionId")]
    [InlineData("{\"eventType\":\"answer\",\"statusInfo\":{\"sessionId\":\"\"}}", "statusInfo has no sessionId")]
    [InlineData("{\"eventType\":\"answer\",\"statusInfo\":{\"sessionId\":null}}", "statusInfo has no sessionId")]
    [InlineData("{\"eventType\":\"answer\",\"statusInfo\":{\"sessionId\":\"\\uDC00\"}}", "statusInfo has no sessionId")]
    [InlineData("{\"eventType\":\"answer\",\"statusInfo\":{\"sessionid\":\"s\"}}", "statusInfo has no sessionId")]
    [InlineData("{\"eventType\":\"callin\",\"statusInfo\":{}}", "statusInfo has no sessionId")]
    [InlineData("{\"eventType\":\"fee\"}", "no feeLst array")]
    [InlineData("{\"eventType\":\"fee\",\"statusInfo\":{\"sessionId\":\"s\"}}", "no feeLst array")]
    [InlineData("{\"eventType\":\"fee\",\"feeLst\":{}}", "no feeLst array")]
    [InlineData("{\"eventType\":\"fee\",\"feeLst\":null}", "no feeLst array")]
    [InlineData("{\"eventType\":\"fee\",\"feeLst\":[]}", "feeLst holds 0 CDRs; a fee push carries 1 to 50")]
    [InlineData("{\"eventType\":\"fee\",\"feeLst\":[{\"sessionId\":\"s\"},7]}", "feeLst[1] is not a JSON object; nothing of this push was stored")]
    [InlineData("{\"eventType\":\"fee\",\"feeLst\":[null]}", "feeLst[0] is not a JSON object")]
    [InlineData("{\"eventType\":\"fee\",\"feeLst\":[{\"sessionId\":\"s\"},{\"sessionId\":\"\"}]}", "feeLst[1] has no sessionId")]
    [InlineData("{\"eventType\":\"fee\",\"feeLst\":[{\"sessionId\":\"s\"},{}]}", "feeLst[1] has no sessionId")]
    [InlineData("{\"eventType\":\"fee\",\"feeLst\":[{\"sessionId\":[\"s\"]}]}", "feeLst[0] has no sessionId")]
    public void A_push_that_cannot_be_kept_is_rejected_with_a_reason(string body, string reason)
    {
        var parsed = Parse(body);

        Assert.False(parsed.Accepted);
        Assert.Null(parsed.Items);
        Assert.Contains(reason, parsed.Rejection, StringComparison.Ordinal);
    }

    [Fact]
    public void One_bad_cdr_rejects_the_whole_batch_and_says_nothing_was_stored()
    {
        var entries = Enumerable.Range(0, 10).Select(i => $"{{\"sessionId\":\"s-{i}\"}}").ToArray();
        entries[7] = "{\"calleeNum\":\"+86138\"}";

        var parsed = Parse(Fee(entries));

        Assert.False(parsed.Accepted);
        Assert.Equal("feeLst[7] has no sessionId (a non-empty string). Nothing of this push was stored.", parsed.Rejection);
    }

    [Fact]
    public void Fifty_one_cdrs_are_one_too_many()
    {
        var parsed = Parse(Fee([.. Enumerable.Range(0, 51).Select(i => $"{{\"sessionId\":\"s-{i}\"}}")]));

        Assert.Equal("feeLst holds 51 CDRs; a fee push carries 1 to 50.", parsed.Rejection);
    }

    [Fact]
    public void Ids_of_up_to_256_characters_are_kept()
    {
        var id = new string('s', 256);

        Assert.True(Parse(Status($"{{\"sessionId\":\"{id}\",\"userData\":\"{id}\"}}")).Accepted);
        Assert.True(Parse(Fee($"{{\"sessionId\":\"{id}\",\"userData\":\"{id}\"}}")).Accepted);
    }

    [Fact]
    public void Over_long_ids_are_rejected_naming_which()
    {
        var longId = new string('s', 257);

        Assert.Equal("statusInfo.sessionId is 257 characters; at most 256 are allowed.",
            Parse(Status($"{{\"sessionId\":\"{longId}\"}}")).Rejection);
        Assert.Equal("statusInfo.userData is 257 characters; at most 256 are allowed.",
            Parse(Status($"{{\"sessionId\":\"s\",\"userData\":\"{longId}\"}}")).Rejection);
        Assert.Equal("feeLst[1].sessionId is 257 characters; at most 256 are allowed. Nothing of this push was stored.",
            Parse(Fee("{\"sessionId\":\"s\"}", $"{{\"sessionId\":\"{longId}\"}}")).Rejection);
        Assert.Equal("feeLst[0].userData is 257 characters; at most 256 are allowed. Nothing of this push was stored.",
            Parse(Fee($"{{\"sessionId\":\"s\",\"userData\":\"{longId}\"}}")).Rejection);
    }

    [Fact]
    public void Invalid_utf8_anywhere_is_rejected_not_thrown()
    {
        byte[] inName = [.. "{\""u8, 0xff, 0xfe, .. "\":1}"u8];
        byte[] inValue = [.. "{\"eventType\":\"answer\",\"statusInfo\":{\"sessionId\":\"s\",\"caller\":\"+86"u8, 0xc3, .. "\"}}"u8];
        byte[] inSessionId = [.. "{\"eventType\":\"answer\",\"statusInfo\":{\"sessionId\":\"s"u8, 0xed, 0xa0, 0x80, .. "\"}}"u8];

        foreach (var body in new[] { inName, inValue, inSessionId })
            Assert.Equal("The body is not valid UTF-8.", PushEnvelope.Parse(body, Given.Received).Rejection);
    }

    [Fact]
    public void Deep_nesting_is_rejected_not_thrown()
    {
        var deep = new string('[', 200) + new string(']', 200);

        var parsed = Parse(Status($"{{\"sessionId\":\"s\",\"d\":{deep}}}"));

        Assert.False(parsed.Accepted);
        Assert.StartsWith("The body is not valid JSON", parsed.Rejection, StringComparison.Ordinal);
    }

    [Fact]
    public void Nesting_well_within_the_limit_is_kept()
    {
        var nested = new string('[', 50) + new string(']', 50);

        Assert.True(Parse(Status($"{{\"sessionId\":\"s\",\"d\":{nested}}}")).Accepted);
    }

    [Fact]
    public void Duplicate_names_do_not_break_parsing()
    {
        var parsed = Parse("{\"eventType\":\"answer\",\"eventType\":\"alerting\",\"statusInfo\":{\"sessionId\":\"s-1\",\"sessionId\":\"s-2\"}}");

        Assert.True(parsed.Accepted);
        Assert.Single(parsed.Items!);
    }

    [Fact]
    public void Fifty_cdrs_are_fifty_items_in_order_each_kept_byte_for_byte()
    {
        var entries = Enumerable.Range(0, 50).Select(i => $"{{ \"sessionId\" : \"s-{i}\",  \"callEndTime\":\"\", \"n\": [1, 2.50] }}").ToList();

        var parsed = Parse($"{{\"eventType\":\"fee\",\"feeLst\":[ {string.Join(" ,\n ", entries)} ]}}");

        Assert.True(parsed.Accepted);
        Assert.Equal(entries, parsed.Items!.Select(i => i.Body));
        Assert.Equal(Enumerable.Range(0, 50).Select(i => $"s-{i}"), parsed.Items!.Select(i => i.SessionId));
        Assert.All(parsed.Items!, i => Assert.Equal(PushItem.FeeEventType, i.EventType));
    }

    [Fact]
    public void A_status_push_is_kept_whole_and_exactly_as_sent()
    {
        const string body = "{ \"eventType\" : \"answer\",\n \"statusInfo\":{\"sessionId\":\"s-1\",\"stateDesc\":\"用户释放\",\"x\":\"\\u002B\"} }";

        var item = Assert.Single(Parse("\n  " + body + "  \n").Items!);

        Assert.Equal(new PushItem("s-1", "answer", body, Given.Received), item);
    }

    [Fact]
    public void An_unknown_event_type_is_kept_like_a_status_push()
    {
        const string body = "{\"eventType\":\"callin\",\"statusInfo\":{\"sessionId\":\"s-1\"},\"extra\":true}";

        Assert.Equal(new PushItem("s-1", "callin", body, Given.Received), Assert.Single(Parse(body).Items!));
    }

    [Fact]
    public void A_byte_order_mark_is_tolerated()
    {
        const string body = "{\"eventType\":\"answer\",\"statusInfo\":{\"sessionId\":\"s-1\"}}";

        var parsed = PushEnvelope.Parse((byte[])[0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes(body)], Given.Received);

        Assert.Equal(body, Assert.Single(parsed.Items!).Body);
    }

    [Fact]
    public void Fields_that_the_fold_cannot_read_do_not_stop_a_push_from_being_kept()
    {
        var parsed = Parse(Status("{\"sessionId\":\"s-1\",\"timestamp\":\"never\",\"stateCode\":\"abc\",\"userData\":42,\"called\":{}}", "disconnect"));

        Assert.True(parsed.Accepted);
    }
}
