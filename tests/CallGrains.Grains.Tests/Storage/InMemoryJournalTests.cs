using System.Text;
using CallGrains.Domain.Calls;
using CallGrains.Domain.Changes;
using CallGrains.Domain.Pushes;
using CallGrains.Storage;
using CallGrains.Storage.InMemory;

namespace CallGrains.Grains.Tests.Storage;

/// <summary>
/// The embedded store holds every push until retention removes it, so what it keeps per item is what embedded mode
/// costs per push in memory and in collections.
/// </summary>
public sealed class InMemoryJournalTests
{
    [Fact]
    public async Task The_embedded_journal_keeps_each_items_text_and_not_the_reading_its_push_was_parsed_with()
    {
        var item = ParsedCallout();
        var reading = item.Reading;
        Assert.NotNull(reading);
        var view = CallRendering.View(CallFold.Add(CallFacts.Empty(item.SessionId, SessionLimits.Default), reading)) with { Version = 1 };
        var store = new InMemoryStore();

        await store.AppendAsync(new CallAppend(new JournalEntry(item, reading.Key, ChangedView: true),
            CallRow.Of(view, item.ReceivedAt, ViewJson.Of(view)), ChangeTypes.Updated));

        var kept = Assert.Single(await store.ReadSessionAsync(item.SessionId)).Item;
        Assert.Null(kept.Reading);
        Assert.Equal(item, kept);
        Assert.Equal(reading.Key, ItemReading.Of(kept).Key);
        Assert.Equal(reading.Status, ItemReading.Of(kept).Status);
    }

    [Fact]
    public async Task A_pending_item_is_kept_without_its_reading_too()
    {
        var item = ParsedCallout();
        Assert.NotNull(item.Reading);
        var store = new InMemoryStore();

        await store.AppendPendingAsync([item]);

        var kept = Assert.Single(await store.ReadSessionAsync(item.SessionId)).Item;
        Assert.Null(kept.Reading);
        Assert.Equal(item, kept);
    }

    [Theory]
    [InlineData("callout", null)]
    [InlineData("fee", "signature did not verify")]
    [InlineData("someFutureEvent", null)]
    public async Task The_embedded_journal_gives_each_item_back_exactly_as_it_came(string eventType, string? flag)
    {
        // Kept as UTF-8 with a shared event type word: text beyond ASCII, escapes and odd spacing come back unchanged.
        var item = new PushItem("1201_612_4294967295_20190124030424@callenabler245.huaweicaas.com", eventType,
            "{ \"eventType\":\"" + eventType + "\", \"note\":\"司机 ☎ 🚕 \\u00e9\" }", DateTimeOffset.UnixEpoch.AddSeconds(7), flag);
        var store = new InMemoryStore();

        await store.AppendPendingAsync([item]);

        var kept = Assert.Single(await store.ReadSessionAsync(item.SessionId));
        Assert.Equal(item, kept.Item);
        Assert.False(kept.Projected);
    }

    /// <summary>A callout push's item as the API hands it on: parsed, with its reading.</summary>
    private static PushItem ParsedCallout()
    {
        const string callout = """
            {"eventType":"callout","statusInfo":{"sessionId":"1201_612_4294967295_20190124030424@callenabler245.huaweicaas.com",
             "timestamp":"2019-01-24 03:04:24","caller":"+8613800000022","called":"+8613800000021","userData":"taxi-order-0042"}}
            """;
        return PushEnvelope.Parse(Encoding.UTF8.GetBytes(callout), DateTimeOffset.UnixEpoch).Items![0];
    }
}
