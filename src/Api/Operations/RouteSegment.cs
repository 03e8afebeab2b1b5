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
        var raw = http.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpRequestFeature>()?.RawTarget;
        if (string.IsNullOrEmpty(raw) || raw[0] != '/') return routeValue;
        var path = raw.Split('?', 2)[0];
        var segments = path[1..].Split('/');
        return index < segments.Length ? Uri.UnescapeDataString(segments[index]) : routeValue;
    }
}
