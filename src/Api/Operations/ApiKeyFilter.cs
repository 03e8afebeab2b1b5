using System.Security.Cryptography;
using System.Text;
using CallGrains.Api.Hosting;
using Microsoft.Extensions.Options;

namespace CallGrains.Api.Operations;

/// <summary>
/// Guards the business endpoints with <c>Authorization: Bearer &lt;key&gt;</c> when keys are configured.
/// Keys are compared in constant time so response timing does not leak them.
/// </summary>
public sealed class ApiKeyFilter(IOptionsMonitor<CallGrainsOptions> options) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var keys = options.CurrentValue.ConfiguredApiKeys;
        if (keys.Count == 0) return await next(context);

        var header = context.HttpContext.Request.Headers.Authorization.ToString();
        const string scheme = "Bearer ";
        if (!header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
            return Problems.Unauthorized("An API key is required: send 'Authorization: Bearer <key>'.");

        var presented = Encoding.UTF8.GetBytes(header[scheme.Length..].Trim());
        var known = false;
        foreach (var key in keys)
            known |= CryptographicOperations.FixedTimeEquals(presented, Encoding.UTF8.GetBytes(key));
        return known ? await next(context) : Problems.Unauthorized("The API key is not valid.");
    }
}
