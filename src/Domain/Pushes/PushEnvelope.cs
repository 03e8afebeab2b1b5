using System.Text.Json;
using System.Text.Unicode;

namespace CallGrains.Domain.Pushes;

/// <summary>
/// Splits a push body into the items CallGrains keeps, or says why the push cannot be kept at all.
/// Only what routing needs is checked here (JSON, <c>eventType</c>, every item's <c>sessionId</c>, the size of
/// <c>feeLst</c>); every other field is kept as received and read tolerantly by the fold.
/// </summary>
public static class PushEnvelope
{
    public const int MaxCdrsPerPush = 50;
    public const int MaxIdLength = 256;
    public const int MaxDepth = 64;

    private static readonly JsonDocumentOptions Options = new() { MaxDepth = MaxDepth };

    private static ReadOnlySpan<byte> Utf8Bom => [0xEF, 0xBB, 0xBF];

    /// <param name="receivedAt">When the push arrived; every item carries it.</param>
    /// <param name="flag">The receiver's note on how the push arrived (see <see cref="PushItem.Flag"/>), or null.</param>
    public static PushParse Parse(ReadOnlyMemory<byte> body, DateTimeOffset receivedAt, string? flag = null)
    {
        // A byte order mark is not JSON, but it does not make the push unkeepable either.
        if (body.Span.StartsWith(Utf8Bom)) body = body[Utf8Bom.Length..];

        // The reader only checks UTF-8 where it has to; string contents are transcoded lazily and would throw
        // later, so the whole body is checked up front.
        if (!Utf8.IsValid(body.Span))
            return PushParse.Reject("The body is not valid UTF-8.");

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body, Options);
        }
        catch (JsonException ex)
        {
            return PushParse.Reject($"The body is not valid JSON: {ex.Message}");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                return PushParse.Reject($"A push is a JSON object, not {Article(root.ValueKind)}.");
            if (NonEmptyString(root, "eventType") is not { } eventType)
                return PushParse.Reject("The push has no eventType (a non-empty string).");
            if (eventType.Length > MaxIdLength || HoldsControlCharacters(eventType))
                return PushParse.Reject($"eventType must be at most {MaxIdLength} characters with no control characters.");

            var receipt = new Receipt(receivedAt, flag);
            return eventType == PushItem.FeeEventType ? ParseFee(root, receipt) : ParseStatus(root, eventType, receipt);
        }
    }

    private static PushParse ParseStatus(JsonElement root, string eventType, Receipt receipt)
    {
        if (!root.TryGetProperty("statusInfo", out var info) || info.ValueKind != JsonValueKind.Object)
            return PushParse.Reject($"The '{PushFields.Shorten(eventType)}' push has no statusInfo object.");
        if (CheckIds(info, new ItemPlace(Cdr: null), out var sessionId) is { } problem)
            return PushParse.Reject(problem);
        return PushParse.Accept([Item(sessionId, eventType, root, receipt)]);
    }

    private static PushParse ParseFee(JsonElement root, Receipt receipt)
    {
        if (!root.TryGetProperty("feeLst", out var list) || list.ValueKind != JsonValueKind.Array)
            return PushParse.Reject("The fee push has no feeLst array.");
        var count = list.GetArrayLength();
        if (count is 0 or > MaxCdrsPerPush)
            return PushParse.Reject($"feeLst holds {count} CDRs; a fee push carries 1 to {MaxCdrsPerPush}.");

        // All or nothing: the platform re-sends the whole batch, so storing part of it would only split one push in two.
        var items = new List<PushItem>(count);
        var index = 0;
        foreach (var cdr in list.EnumerateArray())
        {
            var where = new ItemPlace(index++);
            if (cdr.ValueKind != JsonValueKind.Object)
                return PushParse.Reject($"{where} is not a JSON object; nothing of this push was stored.");
            if (CheckIds(cdr, where, out var sessionId) is { } problem)
                return PushParse.Reject($"{problem} Nothing of this push was stored.");
            items.Add(Item(sessionId, PushItem.FeeEventType, cdr, receipt));
        }
        return PushParse.Accept(items);
    }

    /// <summary>The item with its reading, taken from the element already parsed: a push is parsed once.</summary>
    private static PushItem Item(string sessionId, string eventType, JsonElement element, Receipt receipt)
    {
        var body = element.GetRawText();
        return new PushItem(sessionId, eventType, body, receipt.At, receipt.Flag) { Reading = ItemReading.OfBody(eventType, body, element) };
    }

    private static string? CheckIds(JsonElement item, ItemPlace where, out string sessionId)
    {
        sessionId = NonEmptyString(item, "sessionId") ?? "";
        if (sessionId.Length == 0)
            return $"{where} has no sessionId (a non-empty string).";
        if (sessionId.Length > MaxIdLength)
            return $"{where}.sessionId is {sessionId.Length} characters; at most {MaxIdLength} are allowed.";
        // Ids are keys, URL segments and database text (which cannot hold NUL): no control characters.
        if (HoldsControlCharacters(sessionId))
            return $"{where}.sessionId contains control characters.";
        // "." and ".." are dot segments: every HTTP stack normalises them away (escaped or not), so such a
        // call could be acknowledged but never read back from /v1/calls/{sessionId}.
        if (sessionId is "." or "..")
            return $"{where}.sessionId '{sessionId}' cannot be addressed as a URL path segment.";
        if (UserDataText(item) is not { } userData) return null;
        if (userData.Length > MaxIdLength)
            return $"{where}.userData is {userData.Length} characters; at most {MaxIdLength} are allowed.";
        if (HoldsControlCharacters(userData))
            return $"{where}.userData contains control characters.";
        return null;
    }

    /// <summary>Whether <paramref name="text"/> holds a character <see cref="char.IsControl(char)"/> calls one (C0, DEL, C1): ids are keys, URL segments and database text.</summary>
    public static bool HoldsControlCharacters(ReadOnlySpan<char> text) =>
        text.ContainsAnyInRange('\0', '\u001f') || text.ContainsAnyInRange('\u007f', '\u009f');

    /// <summary>Where an item sits in its push, as a problem names it: made into text only for a problem.</summary>
    /// <param name="Cdr">The CDR's index in feeLst; null for a status push's statusInfo.</param>
    private readonly record struct ItemPlace(int? Cdr)
    {
        public override string ToString() => Cdr is { } index ? $"feeLst[{index}]" : "statusInfo";
    }

    /// <summary>
    /// userData as the fold reads it: a string, or the digits of a number (userData sometimes arrives unquoted),
    /// so that the same limits hold for both.
    /// </summary>
    private static string? UserDataText(JsonElement item) =>
        item.TryGetProperty("userData", out var value) && value.ValueKind == JsonValueKind.Number
            ? value.GetRawText()
            : NonEmptyString(item, "userData");

    /// <summary>The property as a non-empty string; null when absent, not a string, empty, or an escape that is not valid UTF-16.</summary>
    private static string? NonEmptyString(JsonElement item, string name)
    {
        if (!item.TryGetProperty(name, out var value) || value.ValueKind != JsonValueKind.String) return null;
        try
        {
            return value.GetString() is { Length: > 0 } text ? text : null;
        }
        catch (InvalidOperationException)
        {
            // A lone surrogate escape ("\uD800") is valid JSON grammar but not text.
            return null;
        }
    }

    private readonly record struct Receipt(DateTimeOffset At, string? Flag);

    private static string Article(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };
}

/// <summary>Either the items of a push that can be kept, or why it cannot be kept at all (a 400).</summary>
public sealed record PushParse(IReadOnlyList<PushItem>? Items, string? Rejection)
{
    public bool Accepted => Items is not null;
    public static PushParse Accept(IReadOnlyList<PushItem> items) => new(items, null);
    public static PushParse Reject(string detail) => new(null, detail);
}
