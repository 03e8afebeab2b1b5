using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace CallGrains.Client;

/// <summary>
/// Checks a webhook CallGrains delivered (Standard Webhooks): <c>webhook-signature</c> holds one or more space-separated
/// <c>v1,&lt;base64 HMAC-SHA256 of "{webhook-id}.{webhook-timestamp}.{body}"&gt;</c>, keyed with the base64-decoded part
/// of a <c>whsec_</c> secret; a timestamp more than <see cref="Tolerance"/> away from now is refused (a replay).
/// Give it the raw body exactly as received: re-serialized JSON does not verify.
/// </summary>
/// <remarks>
/// Not the StandardWebhooks package: its check takes ASP.NET Core's header type, which would make every backend
/// using this client reference ASP.NET Core, and reads the system clock, which a receiver's tests cannot move.
/// </remarks>
public sealed class WebhookVerifier
{
    public const string IdHeader = "webhook-id";
    public const string TimestampHeader = "webhook-timestamp";
    public const string SignatureHeader = "webhook-signature";

    public static readonly TimeSpan Tolerance = TimeSpan.FromMinutes(5);

    private readonly byte[][] _keys;
    private readonly TimeProvider _clock;

    /// <param name="secrets">The subscription's secret(s) (<c>whsec_...</c>); during a rotation, both the old and the new one.</param>
    public WebhookVerifier(IEnumerable<string> secrets, TimeProvider? clock = null)
    {
        _keys = [.. secrets.Select(KeyOf)];
        if (_keys.Length == 0) throw new ArgumentException("At least one secret is needed.", nameof(secrets));
        _clock = clock ?? TimeProvider.System;
    }

    public WebhookVerifier(string secret, TimeProvider? clock = null) : this([secret], clock)
    {
    }

    /// <summary>Whether the delivery is authentic and fresh; <paramref name="reason"/> says why not.</summary>
    public bool IsValid(string? id, string? timestamp, string? signature, string body, out string? reason)
    {
        reason = Check(id, timestamp, signature, body);
        return reason is null;
    }

    /// <summary>As <see cref="IsValid"/>, throwing <see cref="WebhookVerificationException"/> when it is not.</summary>
    public void Verify(string? id, string? timestamp, string? signature, string body)
    {
        if (Check(id, timestamp, signature, body) is { } reason) throw new WebhookVerificationException(reason);
    }

    private string? Check(string? id, string? timestamp, string? signature, string body)
    {
        if (string.IsNullOrEmpty(id) || string.IsNullOrEmpty(timestamp) || string.IsNullOrEmpty(signature))
            return $"the {IdHeader}, {TimestampHeader} and {SignatureHeader} headers are all required";
        if (!long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            || seconds > DateTimeOffset.MaxValue.ToUnixTimeSeconds())
            return $"{TimestampHeader} is not a Unix time in seconds";
        var age = _clock.GetUtcNow() - DateTimeOffset.FromUnixTimeSeconds(seconds);
        if (age > Tolerance) return "the timestamp is too old";
        if (-age > Tolerance) return "the timestamp is in the future";

        var signed = Encoding.UTF8.GetBytes($"{id}.{timestamp}.{body}");
        var expected = _keys.Select(key => HMACSHA256.HashData(key, signed)).ToList();
        foreach (var candidate in signature.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var comma = candidate.IndexOf(',', StringComparison.Ordinal);
            if (comma < 0 || candidate[..comma] != "v1") continue;
            var presented = new byte[32];
            if (!Convert.TryFromBase64String(candidate[(comma + 1)..], presented, out var length) || length != presented.Length) continue;
            if (expected.Any(e => CryptographicOperations.FixedTimeEquals(e, presented))) return null;
        }
        return "no signature matches";
    }

    private static byte[] KeyOf(string secret)
    {
        const string prefix = "whsec_";
        var encoded = secret.StartsWith(prefix, StringComparison.Ordinal) ? secret[prefix.Length..] : secret;
        try
        {
            return Convert.FromBase64String(encoded);
        }
        catch (FormatException ex)
        {
            throw new ArgumentException("A webhook secret is 'whsec_' followed by base64.", nameof(secret), ex);
        }
    }
}

public sealed class WebhookVerificationException(string reason) : Exception("The webhook did not verify: " + reason + ".")
{
    public string Reason { get; } = reason;
}
