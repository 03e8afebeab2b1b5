using System.Globalization;
using System.Text;
using System.Text.Json;
using CallGrains.Domain.Calls;
using CallGrains.Domain.Pushes;
using CallGrains.Tests.Shared;

namespace CallGrains.Domain.Tests;

/// <summary>Builds push items the way the API does, and folds them.</summary>
internal static class Given
{
    public const string Session = "1201_612_4294967295_20190124030424@callenabler245.huaweicaas.com";
    public const string A = "+8613800000021";
    public const string B = "+8613800007021";

    /// <summary>When the pushes of these tests arrived; the fold never reads it.</summary>
    public static readonly DateTimeOffset Received = new(2019, 1, 24, 3, 10, 0, TimeSpan.Zero);

    public static IReadOnlyList<PushItem> Items(SampleCall call) => [.. call.Pushes.SelectMany(Items)];

    public static IReadOnlyList<PushItem> Items(string push)
    {
        var parsed = PushEnvelope.Parse(Encoding.UTF8.GetBytes(push), Received);
        Assert.True(parsed.Accepted, parsed.Rejection);
        return parsed.Items!;
    }

    public static PushItem Status(string eventType, string statusInfoJson, string session = Session) =>
        Items("{\"eventType\":\"" + eventType + "\",\"statusInfo\":{\"sessionId\":\"" + session + "\"," + statusInfoJson + "}}").Single();

    public static PushItem Cdr(string fieldsJson, string session = Session) =>
        Items("{\"eventType\":\"fee\",\"feeLst\":[{\"sessionId\":\"" + session + "\"," + fieldsJson + "}]}").Single();

    /// <summary>An item as the journal would hand it back, for bodies the API itself would never build.</summary>
    public static PushItem Item(string eventType, string body, string session = Session) => new(session, eventType, body, Received);

    public static string KeyOf(PushItem item) => ItemReading.Of(item).Key;

    public static CallFacts Add(CallFacts facts, PushItem item) => CallFold.Add(facts, ItemReading.Of(item));

    /// <summary>The view of a set of items: each distinct key merged once, whatever order and repetition they came in.</summary>
    public static CallView Fold(IEnumerable<PushItem> items, string session = Session) => Fold(items, SessionLimits.Default, session);

    public static CallView Fold(IEnumerable<PushItem> items, SessionLimits limits, string session = Session)
    {
        var facts = CallFacts.Empty(session, limits);
        foreach (var reading in items.Select(ItemReading.Of).DistinctBy(r => r.Key)) facts = CallFold.Add(facts, reading);
        return CallRendering.View(facts);
    }

    public static CallView Fold(params PushItem[] items) => Fold(items, Session);

    public static string Json(CallView view) => JsonSerializer.Serialize(view, CallJson.Options);

    public static DateTimeOffset Utc(string text) =>
        DateTimeOffset.Parse(text + "Z", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal);
}
