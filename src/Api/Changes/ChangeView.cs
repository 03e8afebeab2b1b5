using System.Text.Json;
using System.Text.Json.Serialization;
using CallGrains.Api.Calls;
using CallGrains.Domain.Calls;
using CallGrains.Domain.Changes;

namespace CallGrains.Api.Changes;

/// <summary>A change as the contract writes it; <see cref="Call"/> is the call view at that version.</summary>
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

    private static string MaskedView(string viewJson, DigitMasking masking) => !masking.Enabled
        ? viewJson
        : JsonSerializer.Serialize(masking.Mask(JsonSerializer.Deserialize<CallView>(viewJson, CallJson.Options)!), CallJson.Options);
}

/// <summary>A page of changes; <see cref="Next"/> is the <c>after</c> of the following page.</summary>
public sealed record ChangeList(IReadOnlyList<ChangeView> Items, long Next);
