using System.IO.Hashing;
using System.Runtime.InteropServices;

namespace CallGrains.Sessions;

/// <summary>
/// What a view says apart from its version and time, as a hash of its contract JSON: enough to tell whether an item
/// changed the view, from the text the grain stores anyway (no second serialization).
/// </summary>
internal static class ViewShape
{
    // The view writes "...,"version":7,"updatedAt":"...","caller":..." in this order, after every nested object that
    // could hold a "version" name (a CDR's unknown fields) and before anything that could: the last "version" name is
    // the view's own. A string's quotes are escaped inside it, so these bytes are property names, never values.
    private const string VersionName = ",\"version\":";
    private const string CallerName = ",\"caller\":";

    public static ulong Of(ReadOnlySpan<char> viewJson)
    {
        var (start, end) = VersionAndTime(viewJson);
        // Not the contract's layout: hash everything, which can only report a change too many, never one too few.
        if (start == end) return Hash(viewJson, seed: 0);
        // The part before seeds the hash of the part after: two one-shot hashes, no hasher object per stored item.
        return Hash(viewJson[end..], unchecked((long)Hash(viewJson[..start], seed: 0)));
    }

    private static ulong Hash(ReadOnlySpan<char> text, long seed) => XxHash3.HashToUInt64(MemoryMarshal.AsBytes(text), seed);

    /// <summary>Whether two views say the same apart from their version and time, byte for byte (no hash to collide).</summary>
    public static bool Same(ReadOnlySpan<char> a, ReadOnlySpan<char> b)
    {
        var (aStart, aEnd) = VersionAndTime(a);
        var (bStart, bEnd) = VersionAndTime(b);
        return a[..aStart].SequenceEqual(b[..bStart]) && a[aEnd..].SequenceEqual(b[bEnd..]);
    }

    /// <summary>Where the view's version and time are; an empty range at the end when the JSON is not in the contract's layout.</summary>
    private static (int Start, int End) VersionAndTime(ReadOnlySpan<char> viewJson)
    {
        var version = viewJson.LastIndexOf(VersionName, StringComparison.Ordinal);
        var caller = version < 0 ? -1 : viewJson[version..].IndexOf(CallerName, StringComparison.Ordinal);
        return caller < 0 ? (viewJson.Length, viewJson.Length) : (version, version + caller);
    }
}
