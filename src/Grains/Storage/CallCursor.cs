using System.Buffers.Text;
using System.Globalization;
using System.Text;

namespace CallGrains.Storage;

/// <summary>
/// Keyset position in the newest-first call list: the last row's (FirstReceivedAt, SessionId).
/// Opaque to clients as URL-safe Base64, so the paging scheme can change without breaking them.
/// </summary>
public sealed record CallCursor(DateTimeOffset FirstReceivedAt, string SessionId)
{
    public static CallCursor After(CallRow row) => new(row.FirstReceivedAt, row.SessionId);

    /// <summary>True when <paramref name="row"/> sorts after this position (older, or same time and smaller id).</summary>
    public bool Precedes(CallRow row) =>
        row.FirstReceivedAt < FirstReceivedAt ||
        (row.FirstReceivedAt == FirstReceivedAt && string.CompareOrdinal(row.SessionId, SessionId) < 0);

    public string Encode() =>
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes(
            FirstReceivedAt.UtcTicks.ToString(CultureInfo.InvariantCulture) + "|" + SessionId));

    public static bool TryDecode(string? text, out CallCursor? cursor)
    {
        cursor = null;
        if (string.IsNullOrEmpty(text)) return true;
        try
        {
            var decoded = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(text));
            var bar = decoded.IndexOf('|');
            if (bar <= 0 || !long.TryParse(decoded.AsSpan(0, bar), NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
                || ticks < DateTimeOffset.MinValue.UtcTicks || ticks > DateTimeOffset.MaxValue.UtcTicks)
                return false;
            cursor = new CallCursor(new DateTimeOffset(ticks, TimeSpan.Zero), decoded[(bar + 1)..]);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
