using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace CallGrains.Domain.Pushes;

/// <summary>
/// Reads fields the way the platform really sends them: integers as numbers or numeric strings, UTC times
/// with stray spaces, empty strings for "did not happen". What cannot be read becomes a problem
/// (<c>field: 'raw value' is not ...</c>) and the field counts as absent; nothing here throws.
/// </summary>
internal sealed partial class PushFields(JsonElement item, List<string> problems)
{
    private static readonly string[] TimeFormats =
    [
        "yyyy-MM-dd HH:mm:ss",
        "yyyy-MM-dd'T'HH:mm:ss",
        "yyyy-MM-dd'T'HH:mm:ss'Z'",
        "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF",
        "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'",
    ];

    /// <summary>How many fields read so far had a value: the completeness of a CDR.</summary>
    public int Present { get; private set; }

    public string? Text(string name)
    {
        if (!item.TryGetProperty(name, out var value)) return null;
        switch (value.ValueKind)
        {
            case JsonValueKind.String:
                if (!TryString(value, out var text))
                {
                    problems.Add($"{name}: {Quoted(value)} is not valid text");
                    return null;
                }
                return Found(text.Length > 0 ? text : null);
            case JsonValueKind.Number:
                // Phone numbers sometimes arrive unquoted; their digits are the text.
                return Found(value.GetRawText());
            case JsonValueKind.Null:
                return null;
            default:
                problems.Add($"{name}: {Quoted(value)} is not text");
                return null;
        }
    }

    public int? Integer(string name)
    {
        if (!item.TryGetProperty(name, out var value)) return null;
        switch (value.ValueKind)
        {
            case JsonValueKind.Number:
                if (value.TryGetInt32(out var number)) return Found(number);
                if (value.TryGetDecimal(out var exact) && exact == decimal.Truncate(exact))
                {
                    if (exact is >= int.MinValue and <= int.MaxValue) return Found((int)exact);
                    problems.Add($"{name}: {Quoted(value)} is out of range");
                    return null;
                }
                problems.Add($"{name}: {Quoted(value)} is not a whole number");
                return null;
            case JsonValueKind.String:
                if (!TryString(value, out var raw))
                {
                    problems.Add($"{name}: {Quoted(value)} is not valid text");
                    return null;
                }
                var text = raw.Trim();
                if (text.Length == 0) return null;
                if (int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var parsed)) return Found(parsed);
                problems.Add(Digits().IsMatch(text)
                    ? $"{name}: '{Shorten(raw)}' is out of range"
                    : $"{name}: '{Shorten(raw)}' is not a number");
                return null;
            case JsonValueKind.Null:
                return null;
            default:
                problems.Add($"{name}: {Quoted(value)} is not a number");
                return null;
        }
    }

    public DateTimeOffset? Time(string name)
    {
        if (!item.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null) return null;
        if (value.ValueKind != JsonValueKind.String || !TryString(value, out var raw))
        {
            problems.Add($"{name}: {Quoted(value)} is not a time");
            return null;
        }
        if (NormaliseTime(raw) is null) return null;
        if (TryParseTime(raw, out var time)) return Found(time);
        problems.Add($"{name}: '{Shorten(raw)}' is not a time");
        return null;
    }

    /// <summary>A platform time in UTC ("2019-01-24 03:04:24", stray spaces allowed, or ISO with an optional Z).</summary>
    public static bool TryParseTime(string? raw, out DateTimeOffset time)
    {
        time = default;
        if (NormaliseTime(raw) is not { } text) return false;
        if (!DateTimeOffset.TryParseExact(text, TimeFormats, CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed))
            return false;
        time = parsed.ToUniversalTime();
        return true;
    }

    /// <summary>The one text form of a time, so that equal instants written differently are one item.</summary>
    public static string FormatTime(DateTimeOffset time) =>
        time.UtcDateTime.ToString(time.Ticks % TimeSpan.TicksPerSecond == 0 ? "yyyy-MM-dd HH:mm:ss" : "yyyy-MM-dd HH:mm:ss.FFFFFFF",
            CultureInfo.InvariantCulture);

    /// <summary>Trims and collapses runs of whitespace ("2016-12-28  10:27:52"); null for an empty time.</summary>
    public static string? NormaliseTime(string? raw)
    {
        if (raw is null) return null;
        // Nearly every time arrives normal ("2019-01-24 03:04:24"), and is taken as it is: the replace would copy it.
        if (IsNormal(raw)) return raw.Length == 0 ? null : raw;
        var text = Whitespace().Replace(raw.Trim(), " ");
        return text.Length == 0 ? null : text;
    }

    /// <summary>No whitespace at either end, and none inside but single spaces.</summary>
    private static bool IsNormal(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (!char.IsWhiteSpace(text[i])) continue;
            if (text[i] != ' ' || i == 0 || i == text.Length - 1 || char.IsWhiteSpace(text[i + 1])) return false;
        }
        return true;
    }

    /// <summary>The string's value, false for an escape that is valid JSON but not UTF-16 (a lone "\uD800").</summary>
    public static bool TryString(JsonElement value, out string text)
    {
        try
        {
            text = value.GetString() ?? "";
            return true;
        }
        catch (InvalidOperationException)
        {
            text = "";
            return false;
        }
    }

    public static string Shorten(string text) => text.Length <= 64 ? text : text[..61] + "...";

    /// <summary>A value as a problem quotes it: a string's contents, anything else its JSON text.</summary>
    private static string Quoted(JsonElement value) =>
        $"'{Shorten(value.ValueKind == JsonValueKind.String && TryString(value, out var text) ? text : value.GetRawText())}'";

    private T Found<T>(T value)
    {
        if (value is not null) Present++;
        return value;
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    [GeneratedRegex(@"^[+-]?[0-9]+$")]
    private static partial Regex Digits();
}
