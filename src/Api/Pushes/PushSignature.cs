using System.Security.Cryptography;
using System.Text;

namespace CallGrains.Api.Pushes;

/// <summary>
/// The platform's <c>X-AKSK</c> header: <c>UsernameToken Username="appKey", PasswordDigest="d", Nonce="n",
/// Created="t"</c> with d = Base64(HMAC-SHA256(appSecret, url + "\n" + nonce + "\n" + created)). The digest
/// does not cover the body. An older page revision joins the three without newlines; both are accepted.
/// </summary>
public sealed record PushSignature(string AppKey, string Digest, string Nonce, string Created)
{
    private const string Scheme = "UsernameToken";

    public static bool TryParse(string? header, out PushSignature? signature)
    {
        signature = null;
        if (string.IsNullOrWhiteSpace(header)) return false;
        var text = header.Trim();
        if (!text.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase)) return false;

        var fields = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var part in text[Scheme.Length..].Split(','))
        {
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0) return false;
            var value = part[(equals + 1)..].Trim();
            if (value.Length >= 2 && value[0] == '"' && value[^1] == '"') value = value[1..^1];
            fields[part[..equals].Trim()] = value;
        }
        if (!fields.TryGetValue("Username", out var appKey) || !fields.TryGetValue("PasswordDigest", out var digest) ||
            !fields.TryGetValue("Nonce", out var nonce) || !fields.TryGetValue("Created", out var created) ||
            appKey.Length == 0 || digest.Length == 0 || nonce.Length == 0 || created.Length == 0)
            return false;
        signature = new PushSignature(appKey, digest, nonce, created);
        return true;
    }

    /// <summary>The digest the platform computes for <paramref name="url"/> with this nonce and time.</summary>
    public static string DigestOf(string secret, string url, string nonce, string created, bool withNewlines = true)
    {
        var separator = withNewlines ? "\n" : "";
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(url + separator + nonce + separator + created));
        return Convert.ToBase64String(mac);
    }

    /// <summary>Compares in constant time, so response timing does not leak how much of a forged digest was right.</summary>
    public bool IsSignedWith(string secret, string url)
    {
        var presented = Encoding.ASCII.GetBytes(Digest);
        var matches = false;
        foreach (var withNewlines in new[] { true, false })
            matches |= CryptographicOperations.FixedTimeEquals(presented, Encoding.ASCII.GetBytes(DigestOf(secret, url, Nonce, Created, withNewlines)));
        return matches;
    }

    public string Header() => $"{Scheme} Username=\"{AppKey}\", PasswordDigest=\"{Digest}\", Nonce=\"{Nonce}\", Created=\"{Created}\"";
}
