namespace CallGrains.Api.Operations;

/// <summary>Ids taken from the path: session ids and userData may hold any character, '/' included.</summary>
public static class RouteSegment
{
    /// <summary>
    /// Routing decodes every escape in a path segment except %2F, which would otherwise split it, so an id
    /// with a '/' arrives still holding the escape.
    /// </summary>
    public static string Decode(string routeValue) => routeValue.Replace("%2F", "/", StringComparison.OrdinalIgnoreCase);
}
