using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace CallGrains.Operability.Access;

/// <summary>The business API keys of this node (<c>CallGrains:ApiKeys</c>); none means the business endpoints are open.</summary>
public interface IApiKeys
{
    IReadOnlyList<string> Current { get; }
}

public static class BearerKey
{
    /// <summary>
    /// Whether the request carries <c>Authorization: Bearer &lt;one of keys&gt;</c>, or why not. Keys are compared in
    /// constant time so that response timing does not leak them.
    /// </summary>
    public static string? Refusal(HttpRequest request, IReadOnlyList<string> keys)
    {
        if (keys.Count == 0) return null;
        var header = request.Headers.Authorization.ToString();
        const string scheme = "Bearer ";
        if (!header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
            return "An API key is required: send 'Authorization: Bearer <key>'.";

        var presented = Encoding.UTF8.GetBytes(header[scheme.Length..].Trim());
        var known = false;
        foreach (var key in keys)
            known |= CryptographicOperations.FixedTimeEquals(presented, Encoding.UTF8.GetBytes(key));
        return known ? null : "The API key is not valid.";
    }

    /// <summary>
    /// Puts the business key in front of whole path branches that are not minimal-API endpoints of ours (the Orleans
    /// Dashboard's files and API, the API reference), so that they are exactly as open as the business endpoints.
    /// </summary>
    public static IApplicationBuilder UseBearerKeyFor(this IApplicationBuilder app, params string[] prefixes) =>
        app.Use(async (http, next) =>
        {
            if (prefixes.Any(p => http.Request.Path.StartsWithSegments(p)))
            {
                var refusal = Refusal(http.Request, http.RequestServices.GetRequiredService<IApiKeys>().Current);
                if (refusal is not null)
                {
                    await Results.Problem(refusal, statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized").ExecuteAsync(http);
                    return;
                }
            }
            await next(http);
        });
}
