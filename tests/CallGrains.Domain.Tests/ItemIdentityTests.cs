using CallGrains.Domain.Calls;
using CallGrains.Tests.Shared;
using static CallGrains.Domain.Tests.Given;

namespace CallGrains.Domain.Tests;

/// <summary>
/// Protocol §7.3: a status event is known by (eventType, called, timestamp, digitInfo), a CDR or an unknown event
/// by its content. The same item again is a duplicate; anything else is a new item.
/// </summary>
public sealed class ItemIdentityTests
{
    [Fact]
    public void A_status_key_names_the_event_the_number_the_second_and_the_digits()
    {
        Assert.Equal("answer|+8613800007021|2019-01-24 03:04:38|",
            KeyOf(Status("answer", $"\"timestamp\":\"2019-01-24 03:04:38\",\"called\":\"{B}\",\"caller\":\"+86222\"")));
        Assert.Equal("collectInfo||2018-05-22 06:44:03|1",
            KeyOf(Status("collectInfo", "\"timestamp\":\"2018-05-22 06:44:03\",\"digitInfo\":\"1\"")));
    }

    [Fact]
    public void A_callbacks_A_and_B_events_of_one_type_are_different_items_even_in_the_same_second()
    {
        var calloutA = Status("callout", $"\"timestamp\":\"2019-01-24 03:04:31\",\"called\":\"{A}\"");
        var calloutB = Status("callout", $"\"timestamp\":\"2019-01-24 03:04:31\",\"called\":\"{B}\"");

        Assert.NotEqual(KeyOf(calloutA), KeyOf(calloutB));
        Assert.Equal(2, Fold(calloutA, calloutB).Version);
    }

    [Theory]
    [InlineData("2019-01-24  03:04:24")]
    [InlineData(" 2019-01-24 03:04:24")]
    [InlineData("2019-01-24T03:04:24Z")]
    public void The_same_status_event_resent_with_other_spacing_or_field_order_is_a_duplicate(string timestamp)
    {
        var callout = Status("callout", $"\"timestamp\":\"2019-01-24 03:04:24\",\"called\":\"{A}\"");
        var resent = Items($"{{\"statusInfo\":{{\"called\":\"{A}\",\"timestamp\":\"{timestamp}\",\"sessionId\":\"{Session}\"}},\"eventType\":\"callout\"}}").Single();

        Assert.Equal(KeyOf(callout), KeyOf(resent));
        Assert.Equal(1, Fold(callout, resent, callout).Version);
    }

    [Fact]
    public void An_unreadable_timestamp_is_part_of_the_key_as_its_trimmed_text()
    {
        var item = Status("alerting", $"\"timestamp\":\"  not  a time \",\"called\":\"{A}\"");

        Assert.Equal($"alerting|{A}|not a time|", KeyOf(item));
    }

    [Fact]
    public void An_identical_cdr_repush_is_the_same_item_and_a_differing_one_is_a_correction()
    {
        var cdr = Cdr($"\"calleeNum\":\"{A}\",\"callEndTime\":\"2019-01-24 03:04:40\",\"x\":{{\"b\":1,\"a\":2}}");
        var reformatted = Items($"{{\"eventType\":\"fee\",\"feeLst\":[{{ \"x\" : {{ \"a\":2, \"b\":1 }}, \"callEndTime\" : \"2019-01-24 03:04:40\", \"calleeNum\":\"{A}\", \"sessionId\":\"{Session}\" }}]}}").Single();
        var corrected = Cdr($"\"calleeNum\":\"{A}\",\"callEndTime\":\"2019-01-24 03:04:40\",\"x\":{{\"b\":1,\"a\":2}},\"callOutUnaswRsn\":17");

        Assert.Equal(KeyOf(cdr), KeyOf(reformatted));
        Assert.NotEqual(KeyOf(cdr), KeyOf(corrected));
        Assert.Equal(1, Fold(cdr, reformatted).Version);
        Assert.Equal(2, Fold(cdr, corrected).Version);
    }

    [Fact]
    public void A_cdr_key_is_a_short_url_safe_hash()
    {
        var key = KeyOf(Cdr($"\"calleeNum\":\"{A}\",\"userData\":\"{new string('u', 256)}\""));

        Assert.Matches("^fee\\|[A-Za-z0-9_-]{22}$", key);
    }

    [Fact]
    public void Escaped_and_plain_spellings_of_the_same_text_are_the_same_cdr()
    {
        var plain = Cdr("\"calleeNum\":\"+86138\"");
        var escaped = Cdr("\"calleeNum\":\"\\u002B86138\"");

        Assert.Equal(KeyOf(plain), KeyOf(escaped));
    }

    [Fact]
    public void Cdrs_with_duplicate_names_in_different_orders_are_different_items_because_they_read_differently()
    {
        var first = Cdr($"\"calleeNum\":\"{A}\",\"calleeNum\":\"{B}\"");
        var second = Cdr($"\"calleeNum\":\"{B}\",\"calleeNum\":\"{A}\"");

        Assert.NotEqual(KeyOf(first), KeyOf(second));
        Assert.Equal(Json(Fold(first, second)), Json(Fold(second, first)));
    }

    /// <summary>
    /// Keys are stored with every journaled item and decide what is a duplicate, so a CDR's key must not change between
    /// builds: these are the keys CallGrains gave these CDRs on 2026-11-30, pinned.
    /// </summary>
    [Theory]
    [InlineData("\"calleeNum\":\"+8613800000021\",\"callEndTime\":\"2019-01-24 03:04:40\",\"fwdUnaswRsn\":17", "fee|7JC87Cd5EMsyNpkGqW2p6A")]
    [InlineData("\"zeta\":1,\"Alpha\":2,\"alpha\":3,\"_\":4,\"a1\":5.0,\"a10\":-0,\"a2\":1e3", "fee|AvD7P51IsWMb8jcDdSlQew")]
    [InlineData("\"x\":{\"b\":[1,{\"d\":null,\"c\":true}],\"a\":\"text\"},\"y\":[]", "fee|B-yfGMzB4re9lwKtNxr5YA")]
    [InlineData("\"dup\":\"second\",\"dup\":\"first\",\"d\\u0075p\":\"escaped name\"", "fee|iioNZlCkkSvbkIBBGb_D0Q")]
    [InlineData("\"名前\":\"値\",\"é\":\"\\u00e9\",\"😀\":\"\uFB01\",\"\uFB01\":\"😀\",\"<&>\":\"+\"", "fee|VZFKU8rlakIRjmkPzSrp8Q")]
    public void A_cdrs_key_is_the_same_in_every_build(string fieldsJson, string key) =>
        Assert.Equal(key, KeyOf(Cdr(fieldsJson)));

    [Fact]
    public void An_over_long_number_is_hashed_so_keys_stay_short()
    {
        var key = KeyOf(Status("callout", $"\"timestamp\":\"2019-01-24 03:04:24\",\"called\":\"{new string('9', 300)}\""));

        Assert.Matches("^callout\\|#[A-Za-z0-9_-]{22}$", key);
    }

    [Fact]
    public void A_separator_inside_a_field_cannot_make_two_events_look_alike()
    {
        var shifted = Status("collectInfo", "\"timestamp\":\"2019-01-24 03:04:24\",\"called\":\"x|2019-01-24 03:04:24\"");
        var plain = Status("collectInfo", "\"timestamp\":\"2019-01-24 03:04:24|2019-01-24 03:04:24\",\"called\":\"x\"");

        Assert.NotEqual(KeyOf(shifted), KeyOf(plain));
        Assert.StartsWith("collectInfo|#", KeyOf(shifted), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("callin", "^callin\\|[A-Za-z0-9_-]{22}$")]
    [InlineData("call-in/v2", "^event\\|[A-Za-z0-9_-]{22}$")]
    public void An_unknown_event_is_known_by_its_content_under_a_short_prefix(string eventType, string pattern)
    {
        var item = Status(eventType, "\"timestamp\":\"2019-01-24 03:04:40\"");
        var other = Status(eventType, "\"timestamp\":\"2019-01-24 03:04:41\"");

        Assert.Matches(pattern, KeyOf(item));
        Assert.NotEqual(KeyOf(item), KeyOf(other));
    }

    [Fact]
    public void Every_sample_item_has_a_key_of_at_most_a_hundred_characters()
    {
        foreach (var name in SampleCall.Names)
            Assert.All(Items(SampleCall.Load(name)), item => Assert.InRange(KeyOf(item).Length, 1, 100));
    }
}
