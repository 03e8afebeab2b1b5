using System.Collections.Concurrent;
using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using CallGrains.Api.Hosting;
using CallGrains.Hosting;
using Microsoft.Extensions.Options;

namespace CallGrains.Api.Pushes;

/// <summary>What to do with a push whose signature is missing or does not verify.</summary>
public enum SignaturePolicy
{
    /// <summary>Take it as if it were signed (only for unsigned pushes: the platform's FAQ says pushes may carry none).</summary>
    Accept,
    /// <summary>Take it, and mark every item of it on its call.</summary>
    Flag,
    /// <summary>Answer 401. The platform never re-sends a status push, so a wrong secret loses data: use with care.</summary>
    Reject,
}

/// <summary>
/// Bound from "CallGrains:PushAuthentication". The platform does not authenticate its pushes, so these are what keep
/// strangers from writing calls: a secret token in the push URL, the networks pushes may come from, and X-AKSK
/// signatures per app. With none of them set, pushes are open to anyone (start-up says so).
/// </summary>
public sealed class PushAuthenticationOptions
{
    public const string Section = "CallGrains:PushAuthentication";

    /// <summary>When set, every push must carry it as <c>?token=</c> (the callback URL configured at the platform includes it); else 401.</summary>
    [MinLength(16)]
    public string? Token { get; set; }

    /// <summary>CIDR ranges pushes may come from (e.g. the platform's published egress ranges); others get 403. Empty: any.</summary>
    public string[] AllowedNetworks { get; set; } = [];

    /// <summary>Per appKey (the header's Username): its secret and what to do when its signature fails.</summary>
    public Dictionary<string, PushApp> Apps { get; set; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Pushes without a usable X-AKSK, or naming an app not configured here. Unset: <c>reject</c> once any app has a
    /// secret (else leaving the header out would bypass an app's <c>reject</c>), and nothing to check otherwise.
    /// </summary>
    public SignaturePolicy? Unsigned { get; set; }

    public bool HasSecrets => Apps.Values.Any(a => !string.IsNullOrEmpty(a.Secret));

    /// <summary>Whether anyone who can reach the push URL can write calls: no token, no network list, no signatures.</summary>
    public bool OpenToAnyone => string.IsNullOrEmpty(Token) && AllowedNetworks.Length == 0 && !HasSecrets;

    /// <summary>How far <c>Created</c> may be from this service's clock, either way.</summary>
    [Range(1, 86_400)]
    public int CreatedWindowSeconds { get; set; } = 300;

    /// <summary>The base URL the platform is configured to push to, when a proxy makes it differ from what this service sees.</summary>
    public string? PublicBaseUrl { get; set; }

    /// <summary>Nonces remembered for replay detection; beyond this, signatures cannot be checked for replay and count as failed.</summary>
    [Range(1000, 10_000_000)]
    public int MaxRememberedNonces { get; set; } = 200_000;
}

public sealed class PushApp
{
    public string Secret { get; set; } = "";
    public SignaturePolicy Policy { get; set; } = SignaturePolicy.Flag;
}

/// <summary>The outcome of checking one push: take it (perhaps with a flag for its items), or refuse it with <see cref="StatusCode"/>.</summary>
public sealed record PushVerdict(bool Refused, string? Flag, string? Reason, int StatusCode = StatusCodes.Status401Unauthorized)
{
    public static PushVerdict Verified { get; } = new(false, null, null);

    public static PushVerdict Refuse(string reason, int statusCode) => new(true, null, reason, statusCode);
}

/// <summary>
/// Checks <c>X-AKSK</c> per app: the digest over url, nonce and created, a window on <c>Created</c>, and each
/// nonce once. Nonces are remembered per API instance (several instances behind a balancer each keep their
/// own), and only after the digest verified, so forged requests cannot fill the cache.
/// </summary>
public sealed partial class PushAuthentication(
    IOptionsMonitor<PushAuthenticationOptions> options,
    AddressRanges networks,
    [FromKeyedServices(ServiceTime.Key)] TimeProvider clock,
    ILogger<PushAuthentication> logger)
{
    public const string HeaderName = "X-AKSK";

    private readonly ConcurrentDictionary<string, DateTimeOffset> _nonces = new(StringComparer.Ordinal);

    /// <summary>Network, token, then signature: the first two refuse before anything is read or stored.</summary>
    public PushVerdict Check(HttpRequest request)
    {
        var settings = options.CurrentValue;
        if (networks.Count > 0 && !networks.Any(n => request.HttpContext.Connection.RemoteIpAddress is { } address && n.Contains(Unmapped(address))))
            return PushVerdict.Refuse("pushes are not accepted from this address", StatusCodes.Status403Forbidden);
        if (!string.IsNullOrEmpty(settings.Token) && !SameSecret(request.Query["token"].ToString(), settings.Token))
            return PushVerdict.Refuse("the push URL's token is missing or wrong", StatusCodes.Status401Unauthorized);

        var apps = settings.Apps.Where(a => !string.IsNullOrEmpty(a.Value.Secret)).ToDictionary(StringComparer.Ordinal);
        if (apps.Count == 0) return PushVerdict.Verified;
        var unsigned = settings.Unsigned ?? SignaturePolicy.Reject;

        if (!PushSignature.TryParse(request.Headers[HeaderName].ToString(), out var signature))
            return Apply(unsigned, null, "no usable X-AKSK header");
        if (!apps.TryGetValue(signature!.AppKey, out var app))
            return Apply(unsigned, null, "X-AKSK names an app with no configured secret");

        var now = clock.GetUtcNow();
        var window = TimeSpan.FromSeconds(settings.CreatedWindowSeconds);
        if (!DateTimeOffset.TryParse(signature.Created, CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var created))
            return Apply(app.Policy, signature.AppKey, "X-AKSK Created is not a time");
        if ((now - created).Duration() > window)
            return Apply(app.Policy, signature.AppKey, "X-AKSK Created is outside the accepted window");
        if (!signature.IsSignedWith(app.Secret, UrlOf(request, settings.PublicBaseUrl)))
            return Apply(app.Policy, signature.AppKey, "X-AKSK digest does not match");
        return Remember(signature, now, window * 2, settings.MaxRememberedNonces) is { } replay
            ? Apply(app.Policy, signature.AppKey, replay)
            : PushVerdict.Verified;
    }

    /// <summary>Compares hashes, so that the time taken says nothing about the token, not even its length.</summary>
    private static bool SameSecret(string presented, string expected) =>
        CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(presented)), SHA256.HashData(Encoding.UTF8.GetBytes(expected)));

    private static IPAddress Unmapped(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    /// <summary>The URL the platform signed: as this service was reached, or under the configured public base.</summary>
    public static string UrlOf(HttpRequest request, string? publicBaseUrl) => string.IsNullOrWhiteSpace(publicBaseUrl)
        ? $"{request.Scheme}://{request.Host}{request.PathBase}{request.Path}{request.QueryString}"
        : publicBaseUrl.TrimEnd('/') + request.Path + request.QueryString;

    private string? Remember(PushSignature signature, DateTimeOffset now, TimeSpan keepFor, int capacity)
    {
        if (_nonces.Count >= capacity)
        {
            foreach (var (key, expiry) in _nonces)
                if (expiry <= now) _nonces.TryRemove(key, out _);
            if (_nonces.Count >= capacity) return "X-AKSK nonce cannot be checked for replay (nonce cache full)";
        }
        var added = _nonces.TryAdd(signature.AppKey + "\n" + signature.Nonce, now + keepFor);
        return added ? null : "X-AKSK nonce was already used (replay)";
    }

    private PushVerdict Apply(SignaturePolicy policy, string? appKey, string reason)
    {
        LogUnverified(logger, appKey ?? "(none)", reason, policy);
        return policy switch
        {
            SignaturePolicy.Accept => PushVerdict.Verified,
            SignaturePolicy.Reject => new PushVerdict(true, null, reason),
            _ => new PushVerdict(false, "unauthenticated push: " + reason, reason),
        };
    }

    // The app key names a customer app, not a person; secrets, digests and nonces are never logged.
    [LoggerMessage(Level = LogLevel.Warning, Message = "Push signature not verified for app {AppKey}: {Reason}; policy {Policy}")]
    private static partial void LogUnverified(ILogger logger, string appKey, string reason, SignaturePolicy policy);
}

/// <summary>
/// Address ranges from configuration (the push allow-list, the known proxies); an entry that is neither an address
/// nor a CIDR range stops the service at start, naming its key.
/// </summary>
public sealed class AddressRanges(IReadOnlyList<IPNetwork> networks)
{
    public int Count => networks.Count;

    public IReadOnlyList<IPNetwork> All => networks;

    public bool Any(Func<IPNetwork, bool> predicate) => networks.Any(predicate);

    /// <summary>CIDR ranges, or single addresses (a range of one).</summary>
    public static AddressRanges Parse(IEnumerable<string> ranges, string key) => new([.. ranges.Select((range, i) =>
        IPNetwork.TryParse(range.Trim(), out var network) ? network
        : IPAddress.TryParse(range.Trim(), out var address) ? new IPNetwork(address, address.GetAddressBytes().Length * 8)
        : throw new OptionsValidationException(key, typeof(PushAuthenticationOptions),
            [$"{key}:{i} '{range}' is neither an address nor a CIDR range (e.g. 203.0.113.0/24)."]))]);
}

public static class PushAuthenticationExtensions
{
    public static WebApplicationBuilder AddCallGrainsPushAuthentication(this WebApplicationBuilder builder)
    {
        var options = builder.Services.AddValidatedOptions<PushAuthenticationOptions>(builder.Configuration, PushAuthenticationOptions.Section);
        builder.Services.AddSingleton(AddressRanges.Parse(options.AllowedNetworks, PushAuthenticationOptions.Section + ":AllowedNetworks"));
        builder.Services.AddSingleton<PushAuthentication>();
        if (options.OpenToAnyone) builder.Services.AddHostedService<OpenPushesNotice>();
        return builder;
    }
}

/// <summary>Says once, loudly, that anyone who can reach the push URL can write calls.</summary>
internal sealed partial class OpenPushesNotice(ILogger<OpenPushesNotice> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        LogOpen(logger);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Warning, Message = "PUSHES ARE OPEN TO ANYONE: no push token, no allowed networks and no app secret are configured, so anyone who can reach /v1/huawei/* can forge call events. Set CallGrains:PushAuthentication:Token (and put it in the platform's callback URL) and/or AllowedNetworks; see docs/operations.md.")]
    private static partial void LogOpen(ILogger logger);
}
