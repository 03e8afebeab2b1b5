using System.Globalization;

namespace CallGrains.Webhooks;

/// <summary>A subscription's <c>lastError</c>: "seq 42: HTTP 500 ...", naming the change whose attempt failed.</summary>
public static class DeliveryErrors
{
    private const string Prefix = "seq ";

    public static string Of(long seq, string? error) => $"{Prefix}{seq.ToString(CultureInfo.InvariantCulture)}: {error}";

    /// <summary>Whether <paramref name="lastError"/> is about one of <paramref name="seqs"/>.</summary>
    public static bool Names(string? lastError, IReadOnlySet<long> seqs)
    {
        if (lastError is null || !lastError.StartsWith(Prefix, StringComparison.Ordinal)) return false;
        var end = lastError.IndexOf(':', Prefix.Length);
        return end > 0
            && long.TryParse(lastError.AsSpan(Prefix.Length, end - Prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var seq)
            && seqs.Contains(seq);
    }
}
