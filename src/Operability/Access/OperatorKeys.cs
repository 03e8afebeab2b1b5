using System.Security.Cryptography;
using CallGrains.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace CallGrains.Operability.Access;

public static class ApiKeyServices
{
    /// <summary>The node's business keys and the per-address count of wrong ones.</summary>
    public static IReadOnlyList<ApiKeyEntry> AddCallGrainsApiKeys(this IServiceCollection services, IConfiguration configuration)
    {
        var options = services.AddValidatedOptions<ApiKeyOptions>(configuration, ApiKeyOptions.Section);
        services.AddSingleton<IApiKeys, ConfiguredApiKeys>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<FailedAuthentications>();
        return ApiKeyTable.Build(options);
    }
}

/// <summary>The business API keys of this node (<see cref="ApiKeyOptions"/>); none means the business endpoints are open.</summary>
public interface IApiKeys
{
    IReadOnlyList<ApiKeyEntry> Current { get; }
}

/// <summary>The keys as configured now: the table is built again only when the options monitor has a new value (a reload).</summary>
public sealed class ConfiguredApiKeys(IOptionsMonitor<ApiKeyOptions> options) : IApiKeys
{
    private Built? _built;

    public IReadOnlyList<ApiKeyEntry> Current
    {
        get
        {
            var current = options.CurrentValue;
            if (_built is { } built && ReferenceEquals(built.Options, current)) return built.Entries;
            var entries = ApiKeyTable.Build(current);
            _built = new Built(current, entries);
            return entries;
        }
    }

    private sealed record Built(ApiKeyOptions Options, IReadOnlyList<ApiKeyEntry> Entries);
}

/// <summary>Why a request was not let in: its status (401, or 429 while its address is locked out) and what to tell it.</summary>
public sealed record KeyRefusal(int StatusCode, string Detail);

public static class BearerKey
{
    /// <summary>
    /// Whether the request carries <c>Authorization: Bearer &lt;one of keys&gt;</c> (then <paramref name="key"/> is
    /// that key's entry), or why not. The SHA-256 of the presented key is compared with every key's hash in constant
    /// time, so that neither a key, nor its length, nor which entry it matched leaks through response timing. An
    /// address with too many wrong keys lately is refused before any comparison. No keys: everything is let in, with
    /// <paramref name="key"/> null.
    /// </summary>
    public static KeyRefusal? Refusal(HttpRequest request, IReadOnlyList<ApiKeyEntry> keys, out ApiKeyEntry? key)
    {
        key = null;
        if (keys.Count == 0) return null;
        var failures = request.HttpContext.RequestServices.GetService<FailedAuthentications>();
        var address = request.HttpContext.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        if (failures?.LockedOut(address) == true)
            return new KeyRefusal(StatusCodes.Status429TooManyRequests,
                "Too many requests with a wrong API key came from this address; try again in a minute.");

        var header = request.Headers.Authorization.ToString();
        const string scheme = "Bearer ";
        if (!header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
            return new KeyRefusal(StatusCodes.Status401Unauthorized, "An API key is required: send 'Authorization: Bearer <key>'.");

        var presented = ApiKeyTable.HashOf(header[scheme.Length..].Trim());
        foreach (var entry in keys)
        {
            if (CryptographicOperations.FixedTimeEquals(presented, entry.Hash)) key = entry;
        }
        if (key is not null) return null;
        failures?.Record(address);
        return new KeyRefusal(StatusCodes.Status401Unauthorized, "The API key is not valid.");
    }

    /// <summary>
    /// Puts the business key in front of whole path branches that are not minimal-API endpoints of ours (the Orleans
    /// Dashboard's files and API, the API reference), so that they are exactly as open as the business endpoints.
    /// With <paramref name="allTenants"/> only a key that sees every tenant's data gets in (the dashboard shows every
    /// grain); a tenant's key gets 403.
    /// </summary>
    public static IApplicationBuilder UseBearerKeyFor(this IApplicationBuilder app, bool allTenants, params string[] prefixes) =>
        // Not async: every request passes through here (a push too), and an awaiting lambda costs each one a state machine.
        app.Use((http, next) =>
        {
            if (!UnderAny(http.Request.Path, prefixes)) return next(http);
            var refusal = Refusal(http.Request, http.RequestServices.GetRequiredService<IApiKeys>().Current, out var key);
            if (refusal is null && allTenants && key?.Tenant is not null)
                refusal = new KeyRefusal(StatusCodes.Status403Forbidden, "This page shows every tenant's data: it needs a key of CallGrains:ApiKeys.");
            return refusal is null ? next(http) : refusal.ToProblem().ExecuteAsync(http);
        });

    private static bool UnderAny(PathString path, string[] prefixes)
    {
        foreach (var prefix in prefixes)
        {
            if (path.StartsWithSegments(prefix)) return true;
        }
        return false;
    }
}

public static class KeyRefusalResults
{
    /// <summary>The refusal as a problem response; a lock-out says when to come back.</summary>
    public static IResult ToProblem(this KeyRefusal refusal) => refusal.StatusCode == StatusCodes.Status429TooManyRequests
        ? new LockedOut(refusal.Detail)
        : Results.Problem(refusal.Detail, statusCode: refusal.StatusCode,
            title: refusal.StatusCode == StatusCodes.Status403Forbidden ? "Forbidden" : "Unauthorized");

    private sealed class LockedOut(string detail) : IResult
    {
        public Task ExecuteAsync(HttpContext http)
        {
            http.Response.Headers.RetryAfter = ((int)FailedAuthentications.Window.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
            return Results.Problem(detail, statusCode: StatusCodes.Status429TooManyRequests, title: "Too many requests").ExecuteAsync(http);
        }
    }
}

/// <summary>
/// Wrong API keys per client address in the current minute. Past <see cref="MaxFailures"/> the address is refused
/// (429) until the minute is over, right key or not: guessing keys must not be fast. The table is bounded; when
/// full, the minute's counts start over, which only ever lets a guesser in sooner, never a client out longer.
/// </summary>
public sealed class FailedAuthentications(TimeProvider clock)
{
    public const int MaxFailures = 20;
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(1);
    private const int MaxAddresses = 10_000;

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, (long Window, int Count)> _failures = new(StringComparer.Ordinal);

    public bool LockedOut(string address) =>
        _failures.TryGetValue(address, out var held) && held.Window == CurrentWindow() && held.Count >= MaxFailures;

    public void Record(string address)
    {
        var window = CurrentWindow();
        if (_failures.Count >= MaxAddresses) _failures.Clear();
        _failures.AddOrUpdate(address, (window, 1), (_, held) => held.Window == window ? (window, held.Count + 1) : (window, 1));
    }

    private long CurrentWindow() => clock.GetUtcNow().Ticks / Window.Ticks;
}
