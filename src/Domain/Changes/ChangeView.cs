using System.Text.Json;
using System.Text.Json.Serialization;
using CallGrains.Domain.Calls;

namespace CallGrains.Domain.Changes;

/// <summary>
/// A change as the contract writes it; <see cref="Call"/> is the call view at that version. The one writer of a
/// change's JSON: the change feed, its live stream and webhook deliveries all send exactly this.
/// </summary>
public sealed record ChangeView(
    long Seq,
    string Type,
    string SessionId,
    int Version,
    string? UserData,
    DateTimeOffset At,
    [property: JsonConverter(typeof(RawJsonConverter))] string Call)
{
    public static ChangeView Of(CallChange change, DigitMasking masking) =>
        new(change.Seq, change.Type, change.SessionId, change.Version, change.UserData, change.At, MaskedView(change.ViewJson, masking));

    /// <summary>The change's contract JSON, digits masked as configured.</summary>
    public static string Json(CallChange change, DigitMasking masking) => JsonSerializer.Serialize(Of(change, masking), CallJson.Options);

    private static string MaskedView(string viewJson, DigitMasking masking) => !masking.Enabled
        ? viewJson
        : JsonSerializer.Serialize(masking.Mask(JsonSerializer.Deserialize<CallView>(viewJson, CallJson.Options)!), CallJson.Options);
}
