using System.Collections.Immutable;

namespace CallGrains.Storage;

/// <summary>
/// What one tenant may see: the calls, requests and changes whose <c>userData</c> starts with one of its prefixes.
/// A query without a scope sees every tenant's data (an all-tenants key, or no keys at all). Kept on a webhook
/// subscription as it was when the subscription was created, so that delivery needs no tenant configuration in
/// the silos.
/// </summary>
[GenerateSerializer, Immutable, Alias("callgrains.tenant-scope")]
public sealed record TenantScope(
    [property: Id(0)] string Name,
    [property: Id(1)] ImmutableArray<string> UserDataPrefixes)
{
    /// <summary>A call without userData, or with one no prefix matches, belongs to no tenant.</summary>
    public bool Owns(string? userData) =>
        userData is not null && UserDataPrefixes.Any(p => userData.StartsWith(p, StringComparison.Ordinal));
}
