using CallGrains.Domain.Pushes;
using Microsoft.AspNetCore.Http.Features;

namespace CallGrains.Api.Operations;

/// <summary>
/// Ids taken from the path: session ids and userData may hold any character, '/' and '%' included.
/// Routing decodes a segment except for %2F, so a decoded "%2F" could be an escaped '/' or the literal
/// text "%2F". Only the raw request target tells them apart, so ids are unescaped from it, exactly once.
/// </summary>
public static class RouteSegment
{
    /// <summary>Path segment <paramref name="index"/> (0 = the first after the leading '/') of the raw target, unescaped.</summary>
    public static string Decode(HttpContext http, int index, string routeValue)
    {
        var segments = RawSegments(http);
        return segments is not null && index < segments.Length ? Uri.UnescapeDataString(segments[index]) : routeValue;
    }

    /// <summary>
    /// Why the raw path cannot name an id, or null. A dot segment ("/v1/calls/A/../B") is resolved away by routing
    /// (which then serves B) but not by <see cref="Decode"/> (which would read A), so the path is refused instead;
    /// ids are database text and keys, so control characters (NUL among them) are refused too.
    /// </summary>
    public static string? Problem(HttpContext http)
    {
        // Every push passes here: the raw path is walked in place, and only a segment with an escape is unescaped.
        if (!TryRawPath(http, out var path)) return null;
        foreach (var range in path.Split('/'))
        {
            var segment = path[range];
            ReadOnlySpan<char> id = segment.Contains('%') ? Uri.UnescapeDataString(segment) : segment;
            if (id is "." or "..") return "The path holds a dot segment ('.' or '..'); ids cannot be addressed that way.";
            if (PushEnvelope.HoldsControlCharacters(id)) return "An id in the path holds control characters.";
        }
        return null;
    }

    /// <summary>A page size from the query: absent is <paramref name="defaultLimit"/>, else 1 to <paramref name="maxLimit"/>; null and an error otherwise.</summary>
    public static int? Limit(string? text, int defaultLimit, int maxLimit, out string? error)
    {
        error = null;
        if (text is null) return defaultLimit;
        if (int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var limit)
            && limit >= 1 && limit <= maxLimit)
            return limit;
        error = $"limit '{text}' must be a whole number from 1 to {maxLimit}.";
        return null;
    }

    /// <summary>Why a query value used as an id cannot be one (it holds control characters), or null.</summary>
    public static string? Problem(string? id, string name) =>
        id is not null && PushEnvelope.HoldsControlCharacters(id) ? $"{name} must not contain control characters." : null;

    private static string[]? RawSegments(HttpContext http) => TryRawPath(http, out var path) ? path.ToString().Split('/') : null;

    /// <summary>The raw target's path after its leading '/', without the query; false when the target is not a path.</summary>
    private static bool TryRawPath(HttpContext http, out ReadOnlySpan<char> path)
    {
        path = default;
        var raw = http.Features.Get<IHttpRequestFeature>()?.RawTarget;
        if (string.IsNullOrEmpty(raw) || raw[0] != '/') return false;
        var query = raw.IndexOf('?');
        path = raw.AsSpan(1, (query < 0 ? raw.Length : query) - 1);
        return true;
    }
}

/// <summary>
/// Answers 400 for an API path whose ids cannot be read back as sent (<see cref="RouteSegment.Problem(HttpContext)"/>),
/// before routing can resolve a dot segment into another resource.
/// </summary>
public static class PathIdCheck
{
    public static WebApplication UsePathIdCheck(this WebApplication app)
    {
        // Not async: every push passes through here, and an awaiting lambda costs each one a state machine.
        app.Use((http, next) =>
            http.Request.Path.StartsWithSegments("/v1") && RouteSegment.Problem(http) is { } problem
                ? Problems.BadRequest(problem).ExecuteAsync(http)
                : next(http));
        return app;
    }
}
