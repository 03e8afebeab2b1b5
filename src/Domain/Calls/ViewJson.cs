using System.Text;
using System.Text.Json;

namespace CallGrains.Domain.Calls;

/// <summary>
/// A call view as contract JSON, in UTF-8: serialized once per stored item, and these bytes are the projection's row,
/// the change's view and what the shape check reads. Readers (the feed, its live stream, webhooks, lists, the export)
/// write them as they are; held as bytes, because text would be a second copy, twice the size, made only to be
/// encoded again on the way out.
/// </summary>
public sealed class ViewJson : IEquatable<ViewJson>
{
    private readonly byte[] _utf8;

    private ViewJson(byte[] utf8) => _utf8 = utf8;

    /// <summary>The one serialization a stored item makes.</summary>
    public static ViewJson Of(CallView view) => new(JsonSerializer.SerializeToUtf8Bytes(view, CallJson.View));

    /// <summary>A view as a store holds it: its own bytes, handed over (not copied), never changed afterwards.</summary>
    public static ViewJson FromUtf8(byte[] utf8) => new(utf8);

    public static ViewJson FromText(string text) => new(Encoding.UTF8.GetBytes(text));

    public ReadOnlySpan<byte> Utf8 => _utf8;

    /// <summary>The same bytes, for a writer that takes memory (a database parameter); never to be written to.</summary>
    public ReadOnlyMemory<byte> Memory => _utf8;

    public int Length => _utf8.Length;

    public CallView Read() => JsonSerializer.Deserialize(_utf8, CallJson.View)!;

    public override string ToString() => Encoding.UTF8.GetString(_utf8);

    public bool Equals(ViewJson? other) => other is not null && _utf8.AsSpan().SequenceEqual(other._utf8);

    public override bool Equals(object? obj) => Equals(obj as ViewJson);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.AddBytes(_utf8);
        return hash.ToHashCode();
    }
}
