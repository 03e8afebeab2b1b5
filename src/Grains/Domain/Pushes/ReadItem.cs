using System.Buffers;
using System.Buffers.Text;
using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using CallGrains.Domain.Calls;

namespace CallGrains.Domain.Pushes;

/// <summary>The status events the protocol defines, in the order a leg moves through them.</summary>
public enum StatusEventType { Callout, Alerting, Answer, CollectInfo, Disconnect }

/// <summary>One status push, typed. Times are UTC; absent or unreadable values are null.</summary>
public sealed record StatusEvent(
    StatusEventType Type,
    DateTimeOffset? Timestamp,
    string? Caller,
    string? Called,
    int? StateCode,
    string? StateDesc,
    string? DigitInfo,
    string? PartyType,
    string? UserData);

/// <summary>
/// A push item read once: its identity, and what it says. At most one of <see cref="Status"/> and
/// <see cref="Cdr"/> is set; neither for an event type the protocol does not define or a body that is not JSON.
/// </summary>
/// <param name="CdrCompleteness">How many of the CDR's fields have a value; picks among several CDRs of one call.</param>
public sealed record ReadItem(
    string Key,
    StatusEvent? Status,
    CdrView? Cdr,
    int CdrCompleteness,
    string? UserData,
    IReadOnlyList<string> Problems)
{
    private const int MaxKeyLength = 100;
    private const int MaxKeyPrefixLength = 32;

    private static readonly JsonDocumentOptions Options = new() { MaxDepth = PushEnvelope.MaxDepth };

    public static ReadItem Of(PushItem item)
    {
        var read = OfBody(item);
        return item.Flag is { } flag ? read with { Problems = [.. read.Problems, flag] } : read;
    }

    private static ReadItem OfBody(PushItem item)
    {
        try
        {
            using var document = JsonDocument.Parse(item.Body, Options);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object) return Unreadable(item, "is not a JSON object");
            return item.IsCdr ? OfCdr(root) : OfStatus(item.EventType, root);
        }
        // The API never stores such a body, but a journal replayed into a grain must not take the call down with it.
        catch (JsonException)
        {
            return Unreadable(item, "is not valid JSON");
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
        {
            return Unreadable(item, "could not be read");
        }
    }

    private static ReadItem Unreadable(PushItem item, string what) =>
        new($"{KeyPrefix(item.EventType)}|{Hash(Encoding.UTF8.GetBytes(item.Body))}", null, null, 0, null,
            [$"the stored '{PushFields.Shorten(item.EventType)}' item {what}"]);

    private static ReadItem OfStatus(string eventType, JsonElement root)
    {
        var problems = new List<string>();
        var info = root;
        if (root.TryGetProperty("statusInfo", out var statusInfo) && statusInfo.ValueKind == JsonValueKind.Object)
            info = statusInfo;
        else
            problems.Add($"the '{PushFields.Shorten(eventType)}' push has no statusInfo object");
        var fields = new PushFields(info, problems);

        if (StatusTypeOf(eventType) is not { } type)
        {
            problems.Add($"eventType '{PushFields.Shorten(eventType)}' is not known");
            return new ReadItem($"{KeyPrefix(eventType)}|{ContentHash(root)}", null, null, 0, fields.Text("userData"), problems);
        }

        var disconnect = type == StatusEventType.Disconnect;
        var status = new StatusEvent(
            type,
            fields.Time("timestamp"),
            fields.Text("caller"),
            fields.Text("called"),
            disconnect ? fields.Integer("stateCode") : null,
            disconnect ? fields.Text("stateDesc") : null,
            type == StatusEventType.CollectInfo ? fields.Text("digitInfo") : null,
            disconnect ? fields.Text("partyType") : null,
            fields.Text("userData"));
        return new ReadItem(StatusKey(eventType, info), status, null, 0, status.UserData, problems);
    }

    /// <summary>
    /// Protocol §7.3: (eventType, called, timestamp, digitInfo), e.g. <c>answer|+8613800007021|2019-01-24 03:04:38|</c>.
    /// Never the event type alone, which would merge a callback's A-leg and B-leg events.
    /// </summary>
    private static string StatusKey(string eventType, JsonElement info)
    {
        var timestamp = KeyText(info, "timestamp");
        timestamp = PushFields.TryParseTime(timestamp, out var time) ? PushFields.FormatTime(time) : PushFields.NormaliseTime(timestamp) ?? "";
        string[] parts = [eventType, KeyText(info, "called"), timestamp, KeyText(info, "digitInfo")];
        var key = string.Join('|', parts);
        // Hashed when long, when a part could shift the separators, or when it holds control characters (a key
        // is database text, which cannot hold NUL): the key must stay short, unambiguous and storable.
        return key.Length <= MaxKeyLength && !parts.Any(p => p.Contains('|') || p.Any(char.IsControl))
            ? key
            : $"{eventType}|#{Hash(Encoding.UTF8.GetBytes(string.Join('\0', parts)))}";
    }

    private static string KeyText(JsonElement info, string name)
    {
        if (!info.TryGetProperty(name, out var value)) return "";
        return value.ValueKind switch
        {
            JsonValueKind.Null => "",
            JsonValueKind.String => PushFields.TryString(value, out var text) ? text : value.GetRawText(),
            _ => value.GetRawText(),
        };
    }

    private static StatusEventType? StatusTypeOf(string eventType) => eventType switch
    {
        "callout" => StatusEventType.Callout,
        "alerting" => StatusEventType.Alerting,
        "answer" => StatusEventType.Answer,
        "collectInfo" => StatusEventType.CollectInfo,
        "disconnect" => StatusEventType.Disconnect,
        _ => null,
    };

    /// <summary>An event type as a key prefix: kept when short and plain, so journals stay readable.</summary>
    private static string KeyPrefix(string eventType) =>
        eventType.Length is > 0 and <= MaxKeyPrefixLength && eventType.All(char.IsAsciiLetterOrDigit) ? eventType : "event";

    private static readonly ImmutableHashSet<string> CdrFields = ImmutableHashSet.Create(StringComparer.Ordinal,
        "direction", "spId", "appKey", "icid", "bindNum", "sessionId", "callerNum", "calleeNum",
        "callOutStartTime", "callOutAlertingTime", "callOutAnswerTime", "callOutUnaswRsn",
        "fwdDisplayNum", "fwdDstNum", "fwdStartTime", "fwdAlertingTime", "fwdAnswerTime", "fwdUnaswRsn",
        "callEndTime", "failTime", "ulFailReason", "sipStatusCode", "recordFlag", "recordStartTime",
        "recordObjectName", "recordBucketName", "recordDomain", "recordFileDownloadUrl", "dynIVRStartTime",
        "dynIVRPath", "ttsPlayTimes", "ttsTransDuration", "serviceType", "hostName", "userData");

    private static ReadItem OfCdr(JsonElement root)
    {
        var problems = new List<string>();
        var f = new PushFields(root, problems);
        var cdr = new CdrView(
            f.Integer("direction"), f.Text("spId"), f.Text("appKey"), f.Text("icid"), f.Text("bindNum"),
            f.Text("callerNum"), f.Text("calleeNum"),
            f.Time("callOutStartTime"), f.Time("callOutAlertingTime"), f.Time("callOutAnswerTime"), f.Integer("callOutUnaswRsn"),
            f.Text("fwdDisplayNum"), f.Text("fwdDstNum"),
            f.Time("fwdStartTime"), f.Time("fwdAlertingTime"), f.Time("fwdAnswerTime"), f.Integer("fwdUnaswRsn"),
            f.Time("callEndTime"), f.Time("failTime"), f.Integer("ulFailReason"), f.Integer("sipStatusCode"),
            f.Integer("recordFlag"), f.Time("recordStartTime"), f.Text("recordObjectName"), f.Text("recordBucketName"),
            f.Text("recordDomain"), f.Text("recordFileDownloadUrl"), f.Time("dynIVRStartTime"), f.Text("dynIVRPath"),
            f.Integer("ttsPlayTimes"), f.Integer("ttsTransDuration"), f.Text("serviceType"), f.Text("hostName"),
            f.Text("userData"), ExtraFields(root, problems));
        return new ReadItem($"fee|{ContentHash(root)}", null, cdr, f.Present + (cdr.Extra?.Count ?? 0), cdr.UserData, problems);
    }

    /// <summary>Fields the protocol table does not list (<c>endToEndID</c>, <c>mptyId</c>, ...), as raw JSON text.</summary>
    private static ImmutableSortedDictionary<string, string>? ExtraFields(JsonElement root, List<string> problems)
    {
        var extra = ImmutableSortedDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        foreach (var property in root.EnumerateObject())
        {
            if (!TryName(property, out var name))
            {
                problems.Add("a field name in the CDR is not valid text");
                continue;
            }
            // The last of duplicate names wins, as it does for the fields the CDR view reads.
            if (!CdrFields.Contains(name)) extra[name] = property.Value.GetRawText();
        }
        return extra.Count == 0 ? null : extra.ToImmutable();
    }

    /// <summary>
    /// A hash of the item's canonical JSON (object keys sorted, no insignificant whitespace, strings unescaped the
    /// same way): equal content, equal key, however it was formatted. Duplicate names keep their relative order, so
    /// two items that read differently never share a key.
    /// </summary>
    private static string ContentHash(JsonElement root)
    {
        try
        {
            var buffer = new ArrayBufferWriter<byte>();
            using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = true }))
                WriteCanonical(writer, root);
            return Hash(buffer.WrittenSpan);
        }
        catch (InvalidOperationException)
        {
            // A name or string that is not valid UTF-16 cannot be unescaped; its exact text is still an identity.
            return Hash(Encoding.UTF8.GetBytes(root.GetRawText()));
        }
    }

    private static void WriteCanonical(Utf8JsonWriter writer, JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                writer.WriteStartObject();
                // OrderBy is stable: duplicates stay in the order they were sent.
                foreach (var property in element.EnumerateObject().OrderBy(p => p.Name, StringComparer.Ordinal))
                {
                    writer.WritePropertyName(property.Name);
                    WriteCanonical(writer, property.Value);
                }
                writer.WriteEndObject();
                break;
            case JsonValueKind.Array:
                writer.WriteStartArray();
                foreach (var value in element.EnumerateArray()) WriteCanonical(writer, value);
                writer.WriteEndArray();
                break;
            case JsonValueKind.Number:
                // The number as written: 17 and 17.0 are different pushes, even if they read the same.
                writer.WriteRawValue(element.GetRawText(), skipInputValidation: true);
                break;
            default:
                element.WriteTo(writer);
                break;
        }
    }

    private static bool TryName(JsonProperty property, out string name)
    {
        try
        {
            name = property.Name;
            return true;
        }
        catch (InvalidOperationException)
        {
            name = "";
            return false;
        }
    }

    /// <summary>The first 16 bytes of SHA-256, base64url: 22 characters, safe in keys and URLs.</summary>
    private static string Hash(ReadOnlySpan<byte> bytes) => Base64Url.EncodeToString(SHA256.HashData(bytes).AsSpan(0, 16));
}
