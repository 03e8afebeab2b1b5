using System.IO.Hashing;
using CallGrains.Domain.Calls;

namespace CallGrains.Sessions;

/// <summary>
/// What a view says apart from its version and time, as a hash of its contract JSON: enough to tell whether an item
/// changed the view, from the bytes the grain stores anyway (no second serialization).
/// </summary>
internal static class ViewShape
{
    // The view writes "...,"version":7,"updatedAt":"...","caller":..." in this order, after every nested object that
    // could hold a "version" name (a CDR's unknown fields) and before anything that could: the last "version" name is
    // the view's own. A string's quotes are escaped inside it, so these bytes are property names, never values.
    private static ReadOnlySpan<byte> VersionName => ",\"version\":"u8;
    private static ReadOnlySpan<byte> CallerName => ",\"caller\":"u8;

    public static ulong Of(ViewJson view)
    {
        var json = view.Utf8;
        var (start, end) = VersionAndTime(json);
        // Not the contract's layout: hash everything, which can only report a change too many, never one too few.
        if (start == end) return XxHash3.HashToUInt64(json);
        // The part before seeds the hash of the part after: two one-shot hashes, no hasher object per stored item.
        return XxHash3.HashToUInt64(json[end..], unchecked((long)XxHash3.HashToUInt64(json[..start])));
    }

    /// <summary>Whether two views say the same apart from their version and time, byte for byte (no hash to collide).</summary>
    public static bool Same(ViewJson a, ViewJson b)
    {
        ReadOnlySpan<byte> x = a.Utf8, y = b.Utf8;
        var (xStart, xEnd) = VersionAndTime(x);
        var (yStart, yEnd) = VersionAndTime(y);
        return x[..xStart].SequenceEqual(y[..yStart]) && x[xEnd..].SequenceEqual(y[yEnd..]);
    }

    /// <summary>Where the view's version and time are; an empty range at the end when the JSON is not in the contract's layout.</summary>
    private static (int Start, int End) VersionAndTime(ReadOnlySpan<byte> viewJson)
    {
        var version = viewJson.LastIndexOf(VersionName);
        var caller = version < 0 ? -1 : viewJson[version..].IndexOf(CallerName);
        return caller < 0 ? (viewJson.Length, viewJson.Length) : (version, version + caller);
    }
}
