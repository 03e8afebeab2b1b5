using CallGrains.Operability.Access;
using CallGrains.Storage;

namespace CallGrains.Api.Operations;

/// <summary>
/// Guards the business endpoints with <c>Authorization: Bearer &lt;key&gt;</c> when keys are configured: an unknown
/// key is 401, a key without the endpoint's <see cref="RequiredScope"/> 403. The key's tenant becomes the request's
/// <see cref="Caller"/>, which the handlers filter by.
/// </summary>
public sealed class ApiKeyFilter(IApiKeys keys) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (BearerKey.Refusal(http.Request, keys.Current, out var key) is { } refusal) return refusal.ToProblem();
        if (key is not null && http.GetEndpoint()?.Metadata.GetMetadata<RequiredScope>() is { } required && !key.Allows(required.Scope))
            return Problems.Forbidden($"This API key does not have the scope '{required.Scope}'.");
        new Caller(key?.Tenant, key).Attach(http);
        return await next(context);
    }
}

/// <summary>The scope an endpoint needs (<see cref="Scopes"/>).</summary>
public sealed record RequiredScope(string Scope);

/// <summary>Whose data a request may see: one tenant's, or with <see cref="Tenant"/> null every tenant's.</summary>
/// <param name="Key">The key it came with; null when no keys are configured (open mode).</param>
public sealed record Caller(TenantScope? Tenant, ApiKeyEntry? Key = null)
{
    private const string ItemKey = "callgrains.caller";

    // What a request that did not pass the key filter sees: nothing. Failing closed, a missing filter shows up as
    // empty answers in a test rather than as another tenant's data.
    private static readonly Caller Nobody = new(new TenantScope("", []));

    public bool Sees(string? userData) => Tenant is null || Tenant.Owns(userData);

    /// <summary>
    /// Whether phone numbers and collected digits are shown unmasked: to a tenant's key only with <see cref="Scopes.PiiRead"/>;
    /// all-tenants keys and open mode see them as before tenants existed.
    /// </summary>
    public bool SeesPersonalData => Tenant is null || Key?.Allows(Scopes.PiiRead) == true;

    /// <summary>Who asked, for an audit record: the key's configuration name and tenant, never the key.</summary>
    public string Who => Key?.Name ?? "anonymous (no API keys configured)";

    /// <summary>The caller <see cref="ApiKeyFilter"/> let in (filters run after parameter binding, so handlers ask here).</summary>
    public static Caller Of(HttpContext http) => http.Items.TryGetValue(ItemKey, out var caller) && caller is Caller known ? known : Nobody;

    internal void Attach(HttpContext http) => http.Items[ItemKey] = this;
}

public static class ScopeExtensions
{
    public static RouteHandlerBuilder RequireScope(this RouteHandlerBuilder endpoint, string scope) =>
        endpoint.WithMetadata(new RequiredScope(scope));
}
