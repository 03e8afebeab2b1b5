using System.Text;
using System.Text.Json;
using CallGrains.Domain.Calls;
using CallGrains.Domain.Pushes;
using CallGrains.Tests.Shared;
using static CallGrains.Domain.Tests.Given;

namespace CallGrains.Domain.Tests;

/// <summary>
/// A push is parsed once: the reading the envelope takes from the parsed JSON is what the stored body says when a
/// journal is replayed, so a call folds the same from the API as from its journal.
/// </summary>
public sealed class ReadOnceTests
{
    [Theory]
    [MemberData(nameof(Seeds))]
    public void The_reading_taken_at_parse_is_the_reading_of_the_stored_body(int seed)
    {
        var parsed = RandomCalls.Call(seed).Select(Parsed).OfType<PushItem>().ToList();

        Assert.NotEmpty(parsed);
        foreach (var item in parsed) AssertSameReading(item);
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void Every_sample_item_reads_the_same_from_the_push_and_from_the_journal(string name)
    {
        foreach (var item in Items(SampleCall.Load(name)))
        {
            Assert.NotNull(item.Reading);
            AssertSameReading(item);
        }
    }

    [Fact]
    public void An_item_copied_with_another_body_or_flag_says_what_the_copy_says()
    {
        var answer = Status("answer", $"\"timestamp\":\"2019-01-24 03:04:31\",\"called\":\"{A}\"");
        var alerting = Status("alerting", $"\"timestamp\":\"2019-01-24 03:04:27\",\"called\":\"{A}\"");

        var rebodied = answer with { Body = alerting.Body, EventType = alerting.EventType };
        var flagged = answer with { Flag = RandomCalls.Forged };

        Assert.Null(rebodied.Reading);
        Assert.Equal(KeyOf(alerting), KeyOf(rebodied));
        Assert.Equal(ItemReading.UnverifiedKeyPrefix + KeyOf(answer), KeyOf(flagged));
        Assert.Null(ItemReading.Of(flagged).Status);
    }

    [Fact]
    public void The_reading_is_not_part_of_an_items_equality()
    {
        var answer = Status("answer", $"\"timestamp\":\"2019-01-24 03:04:31\",\"called\":\"{A}\"");

        var stored = answer with { Reading = null };

        Assert.NotNull(answer.Reading);
        Assert.Equal(answer, stored);
        Assert.Equal(answer.GetHashCode(), stored.GetHashCode());
    }

    public static TheoryData<int> Seeds() => [.. Enumerable.Range(1, 40)];

    public static TheoryData<string> Samples() => [.. SampleCall.Names];

    /// <summary>A journal item as the API would have received it: parsed from a push, with its reading; null if refused.</summary>
    private static PushItem? Parsed(PushItem item)
    {
        var push = item.IsCdr ? "{\"eventType\":\"fee\",\"feeLst\":[" + item.Body + "]}" : item.Body;
        var parse = PushEnvelope.Parse(Encoding.UTF8.GetBytes(push), item.ReceivedAt, item.Flag);
        if (!parse.Accepted) return null;
        var parsed = parse.Items!.Single();
        Assert.Equal(item.Body, parsed.Body);
        Assert.NotNull(parsed.Reading);
        return parsed;
    }

    private static void AssertSameReading(PushItem item)
    {
        var parsed = ItemReading.Of(item);
        var stored = ItemReading.Of(item with { Reading = null });
        Assert.Equal(Describe(stored), Describe(parsed));
    }

    /// <summary>Everything a reading says, as text: its lists and dictionaries compare by content.</summary>
    private static string Describe(ItemReading reading) => JsonSerializer.Serialize(new
    {
        reading.Key,
        reading.Status,
        reading.Cdr,
        reading.CdrCompleteness,
        reading.UserData,
        reading.Problems,
        reading.Quarantined,
    }, CallJson.Options);
}
