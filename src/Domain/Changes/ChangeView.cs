using System.Buffers;
using System.Text;
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
    public static ChangeView Of(CallChange change, PersonalDataMasking masking) =>
        new(change.Seq, change.Type, change.SessionId, change.Version, change.UserData, change.At, masking.Mask(change.ViewJson).ToString());

    /// <summary>The change's contract JSON, masked as <paramref name="masking"/> says.</summary>
    public static string Json(CallChange change, PersonalDataMasking masking)
    {
        var buffer = new ArrayBufferWriter<byte>(change.ViewJson.Length + 256);
        using (var writer = new Utf8JsonWriter(buffer)) Write(writer, change, masking);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>
    /// Writes the change's contract JSON, the same as serializing <see cref="Of"/>. The view is written as stored (it is
    /// our own JSON, written once when its item was journaled): neither parsed nor serialized again unless something is masked.
    /// </summary>
    public static void Write(Utf8JsonWriter writer, CallChange change, PersonalDataMasking masking)
    {
        writer.WriteStartObject();
        writer.WriteNumber("seq", change.Seq);
        writer.WriteString("type", change.Type);
        writer.WriteString("sessionId", change.SessionId);
        writer.WriteNumber("version", change.Version);
        writer.WriteString("userData", change.UserData);
        writer.WritePropertyName("at");
        JsonSerializer.Serialize(writer, change.At, CallJson.Options);
        writer.WritePropertyName("call");
        writer.WriteRawValue(masking.Mask(change.ViewJson).Utf8, skipInputValidation: true);
        writer.WriteEndObject();
    }
}
