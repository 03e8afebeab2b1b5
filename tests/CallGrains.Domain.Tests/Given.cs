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

    public static IReadOnlyList<PushItem> Items(SampleCall call) => [.. call.Pushes.SelectMany(Items)];

    public static IReadOnlyList<PushItem> Items(string push)
    {
        var parsed = PushEnvelope.Parse(Encoding.UTF8.GetBytes(push));
        Assert.True(parsed.Accepted, parsed.Rejection);
        return parsed.Items!;
    }

    public static PushItem Status(string eventType, string statusInfoJson, string session = Session) =>
        Items("{\"eventType\":\"" + eventType + "\",\"statusInfo\":{\"sessionId\":\"" + session + "\"," + statusInfoJson + "}}").Single();

    public static PushItem Cdr(string fieldsJson, string session = Session) =>
        Items("{\"eventType\":\"fee\",\"feeLst\":[{\"sessionId\":\"" + session + "\"," + fieldsJson + "}]}").Single();

    public static CallView Fold(IEnumerable<PushItem> items, string session = Session) => CallFold.Fold(session, items);

    public static CallView Fold(params PushItem[] items) => CallFold.Fold(Session, items);

    public static string Json(CallView view) => JsonSerializer.Serialize(view, CallJson.Options);

    public static DateTimeOffset Utc(string text) =>
        DateTimeOffset.Parse(text + "Z", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal);
}
