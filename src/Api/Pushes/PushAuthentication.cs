using System.Collections.Concurrent;
using System.ComponentModel.DataAnnotations;
using System.Globalization;
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

/// <summary>Bound from "CallGrains:PushAuthentication". With no app configured, pushes are not checked at all.</summary>
public sealed class PushAuthenticationOptions
{
    public const string Section = "CallGrains:PushAuthentication";

    /// <summary>Per appKey (the header's Username): its secret and what to do when its signature fails.</summary>
    public Dictionary<string, PushApp> Apps { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Pushes without a usable X-AKSK, or naming an app not configured here.</summary>
    public SignaturePolicy Unsigned { get; set; } = SignaturePolicy.Flag;

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

/// <summary>The outcome of checking one push: take it (perhaps with a flag for its items), or refuse it.</summary>
public sealed record PushVerdict(bool Refused, string? Flag, string? Reason)
{
    public static PushVerdict Verified { get; } = new(false, null, null);
}

/// <summary>
/// Checks <c>X-AKSK</c> per app: the digest over url, nonce and created, a window on <c>Created</c>, and each
/// nonce once. Nonces are remembered per API instance (several instances behind a balancer each keep their
/// own), and only after the digest verified, so forged requests cannot fill the cache.
/// </summary>
public sealed partial class PushAuthentication(
    IOptionsMonitor<PushAuthenticationOptions> options,
    [FromKeyedServices(ServiceClock.Key)] TimeProvider clock,
    ILogger<PushAuthentication> logger)
{
    public const string HeaderName = "X-AKSK";

    private readonly ConcurrentDictionary<string, DateTimeOffset> _nonces = new(StringComparer.Ordinal);

    public PushVerdict Check(HttpRequest request)
    {
        var settings = options.CurrentValue;
        var apps = settings.Apps.Where(a => !string.IsNullOrEmpty(a.Value.Secret)).ToDictionary(StringComparer.Ordinal);
        if (apps.Count == 0) return PushVerdict.Verified;

        if (!PushSignature.TryParse(request.Headers[HeaderName].ToString(), out var signature))
            return Apply(settings.Unsigned, null, "no usable X-AKSK header");
        if (!apps.TryGetValue(signature!.AppKey, out var app))
            return Apply(settings.Unsigned, null, "X-AKSK names an app with no configured secret");

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

public static class PushAuthenticationExtensions
{
    public static WebApplicationBuilder AddCallGrainsPushAuthentication(this WebApplicationBuilder builder)
    {
        builder.Services.AddValidatedOptions<PushAuthenticationOptions>(builder.Configuration, PushAuthenticationOptions.Section);
        builder.Services.AddSingleton<PushAuthentication>();
        return builder;
    }
}
