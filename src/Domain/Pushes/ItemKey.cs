using System.Buffers;
using System.Buffers.Text;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace CallGrains.Domain.Pushes;

/// <summary>
/// An item's identity: items with the same key are one item, however often and in whatever form they arrive.
/// A status push is known by protocol §7.3's (eventType, called, timestamp, digitInfo); a CDR, an unknown event
/// or an unreadable body by its content.
/// </summary>
internal static class ItemKey
{
    private const int MaxKeyLength = 100;
    private const int MaxPrefixLength = 32;

    /// <summary>
    /// Protocol §7.3, e.g. <c>answer|+8613800007021|2019-01-24 03:04:38|</c>. Never the event type alone, which
    /// would merge a callback's A-leg and B-leg events.
    /// </summary>
    public static string OfStatus(string eventType, JsonElement info)
    {
        var timestamp = Text(info, "timestamp");
        timestamp = PushFields.TryParseTime(timestamp, out var time) ? PushFields.FormatTime(time) : PushFields.NormaliseTime(timestamp) ?? "";
        string[] parts = [eventType, Text(info, "called"), timestamp, Text(info, "digitInfo")];
        var key = string.Join('|', parts);
        // Hashed when long, when a part could shift the separators, or when it holds control characters (a key
        // is database text, which cannot hold NUL): the key must stay short, unambiguous and storable.
        return key.Length <= MaxKeyLength && !parts.Any(p => p.Contains('|') || PushEnvelope.HoldsControlCharacters(p))
            ? key
            : $"{eventType}|#{Hash(Encoding.UTF8.GetBytes(string.Join('\0', parts)))}";
    }

    /// <summary>
    /// A key as a reader who may not see personal data sees it: a readable status key's <c>called</c> and <c>digitInfo</c>
    /// parts masked (<see cref="OfStatus"/>'s layout, also behind <see cref="ItemReading.UnverifiedKeyPrefix"/>). Hashed
    /// and content keys hold no readable number and stay as they are.
    /// </summary>
    public static string Masked(string key, Func<string, string> number, Func<string, string> digits)
    {
        var prefix = key.StartsWith(ItemReading.UnverifiedKeyPrefix, StringComparison.Ordinal) ? ItemReading.UnverifiedKeyPrefix : "";
        var parts = key[prefix.Length..].Split('|');
        if (parts.Length != 4 || StatusEvent.TypeOf(parts[0]) is null) return key;
        return prefix + string.Join('|', parts[0], parts[1].Length == 0 ? "" : number(parts[1]), parts[2], parts[3].Length == 0 ? "" : digits(parts[3]));
    }

    /// <summary>A CDR or an event the protocol does not define: its canonical content.</summary>
    public static string OfContent(string eventType, JsonElement root) => $"{Prefix(eventType)}|{ContentHash(root)}";

    /// <summary>A body that cannot be read as JSON: its exact text.</summary>
    public static string OfUnreadable(string eventType, string body) => $"{Prefix(eventType)}|{Hash(Encoding.UTF8.GetBytes(body))}";

    private static string Text(JsonElement info, string name)
    {
        if (!info.TryGetProperty(name, out var value)) return "";
        return value.ValueKind switch
        {
            JsonValueKind.Null => "",
            JsonValueKind.String => PushFields.TryString(value, out var text) ? text : value.GetRawText(),
            _ => value.GetRawText(),
        };
    }

    /// <summary>An event type as a key prefix: kept when short and plain, so journals stay readable.</summary>
    private static string Prefix(string eventType) =>
        eventType.Length is > 0 and <= MaxPrefixLength && eventType.All(char.IsAsciiLetterOrDigit) ? eventType : "event";

    /// <summary>
    /// A hash of the item's canonical JSON (object keys sorted, no insignificant whitespace, strings unescaped the
    /// same way): equal content, equal key, however it was formatted. Duplicate names keep their relative order, so
    /// two items that read differently never share a key.
    /// </summary>
    private static string ContentHash(JsonElement root)
    {
        try
        {
            // One buffer and writer per thread, reused: a CDR push hashes up to 50 items, and a fresh growing buffer
            // for each was about 4 % of the bytes the node allocated under load (allocation profile, 2026-11-29). A
            // buffer an unusually large item grew is not kept.
            var canonical = t_canonical ??= new CanonicalWriter();
            canonical.Buffer.ResetWrittenCount();
            canonical.Writer.Reset(canonical.Buffer);
            WriteCanonical(canonical.Writer, root);
            canonical.Writer.Flush();
            var hash = Hash(canonical.Buffer.WrittenSpan);
            if (canonical.Buffer.Capacity > CanonicalBufferKept) t_canonical = null;
            return hash;
        }
        catch (InvalidOperationException)
        {
            // A name or string that is not valid UTF-16 cannot be unescaped; its exact text is still an identity.
            return Hash(Encoding.UTF8.GetBytes(root.GetRawText()));
        }
    }

    private const int CanonicalBufferKept = 64 * 1024;

    [ThreadStatic] private static CanonicalWriter? t_canonical;

    private sealed class CanonicalWriter
    {
        public ArrayBufferWriter<byte> Buffer { get; } = new(1024);
        public Utf8JsonWriter Writer { get; }

        public CanonicalWriter() => Writer = new Utf8JsonWriter(Buffer, new JsonWriterOptions { SkipValidation = true });
    }

    private static void WriteCanonical(Utf8JsonWriter writer, JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                WriteCanonicalObject(writer, element);
                break;
            case JsonValueKind.Array:
                writer.WriteStartArray();
                foreach (var value in element.EnumerateArray()) WriteCanonical(writer, value);
                writer.WriteEndArray();
                break;
            case JsonValueKind.Number:
                // The number as written: 17 and 17.0 are different pushes, even if they read the same.
                writer.WriteRawValue(JsonMarshal.GetRawUtf8Value(element), skipInputValidation: true);
                break;
            default:
                element.WriteTo(writer);
                break;
        }
    }

    /// <summary>
    /// An object with its names in ordinal order; duplicates stay in the order they were sent. Sorted in a rented array,
    /// by the names' own UTF-8 bytes when every name is plain ASCII (no escape), which is the same order; otherwise as
    /// strings, since UTF-8 and UTF-16 order some characters differently (a surrogate pair against U+E000 to U+FFFF). A
    /// CDR's key sorted some 40 names, and their strings and a LINQ sort's arrays were about 4 % of what the node
    /// allocated per push (allocation profile, 2026-11-30).
    /// </summary>
    private static void WriteCanonicalObject(Utf8JsonWriter writer, JsonElement element)
    {
        var count = element.GetPropertyCount();
        var properties = ArrayPool<JsonProperty>.Shared.Rent(count);
        var order = ArrayPool<int>.Shared.Rent(count);
        try
        {
            var i = 0;
            var plainAscii = true;
            foreach (var property in element.EnumerateObject())
            {
                plainAscii &= IsPlainAscii(JsonMarshal.GetRawUtf8PropertyName(property));
                properties[i] = property;
                order[i] = i;
                i++;
            }
            order.AsSpan(0, count).Sort(new NameOrder(properties, plainAscii));
            writer.WriteStartObject();
            foreach (var index in order.AsSpan(0, count))
            {
                var property = properties[index];
                if (plainAscii) writer.WritePropertyName(JsonMarshal.GetRawUtf8PropertyName(property));
                else writer.WritePropertyName(property.Name);
                WriteCanonical(writer, property.Value);
            }
            writer.WriteEndObject();
        }
        finally
        {
            properties.AsSpan(0, count).Clear();
            ArrayPool<JsonProperty>.Shared.Return(properties);
            ArrayPool<int>.Shared.Return(order);
        }
    }

    /// <summary>Ordinal order of the names (as bytes, or as strings), then the order they were sent in.</summary>
    private readonly struct NameOrder(JsonProperty[] properties, bool byBytes) : IComparer<int>
    {
        public int Compare(int x, int y)
        {
            if (x == y) return 0;
            var names = byBytes
                ? JsonMarshal.GetRawUtf8PropertyName(properties[x]).SequenceCompareTo(JsonMarshal.GetRawUtf8PropertyName(properties[y]))
                : string.CompareOrdinal(properties[x].Name, properties[y].Name);
            return names != 0 ? names : x.CompareTo(y);
        }
    }

    private static bool IsPlainAscii(ReadOnlySpan<byte> name) => Ascii.IsValid(name) && !name.Contains((byte)'\\');

    /// <summary>The first 16 bytes of SHA-256, base64url: 22 characters, safe in keys and URLs.</summary>
    private static string Hash(ReadOnlySpan<byte> bytes) => Base64Url.EncodeToString(SHA256.HashData(bytes).AsSpan(0, 16));
}
