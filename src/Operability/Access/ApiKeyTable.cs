using System.Collections.Frozen;
using System.Collections.Immutable;
using System.ComponentModel.DataAnnotations;
using System.Security.Cryptography;
using System.Text;
using CallGrains.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace CallGrains.Operability.Access;

/// <summary>What a key may do, as configured (<c>...:Keys:0:Scopes:0=calls:read</c>).</summary>
public static class Scopes
{
    public const string CallsRead = "calls:read";
    public const string RequestsRead = "requests:read";
    public const string RequestsWrite = "requests:write";
    public const string ChangesRead = "changes:read";
    public const string SubscriptionsManage = "subscriptions:manage";

    /// <summary>
    /// The billing export (<c>GET /v1/calls/export</c>): a period's calls in bulk. Its own scope, so that a billing system's
    /// key needs nothing else and a key limited to reading calls one page at a time cannot pull a month of them.
    /// </summary>
    public const string BillingRead = "billing:read";

    /// <summary>
    /// Unmasked personal data (phone numbers, collected digits) for a tenant's key; without it they are masked
    /// (<c>PersonalDataMasking</c>). Not among <see cref="Business"/>: it is given by name (or by <see cref="Admin"/>).
    /// </summary>
    public const string PiiRead = "pii:read";

    /// <summary>Erasing a call or a request with everything stored of it; given by name (or by <see cref="Admin"/>), never by default.</summary>
    public const string DataErase = "data:erase";

    /// <summary>Every scope.</summary>
    public const string Admin = "admin";

    /// <summary>What a tenant key without <c>Scopes</c> may do: everything its tenant owns.</summary>
    public static FrozenSet<string> Business { get; } = new[] { CallsRead, RequestsRead, RequestsWrite, ChangesRead, SubscriptionsManage, BillingRead }.ToFrozenSet(StringComparer.Ordinal);

    public static FrozenSet<string> Everything { get; } = Business.Append(PiiRead).Append(DataErase).Append(Admin).ToFrozenSet(StringComparer.Ordinal);
}

/// <summary>
/// The business keys, bound from the "CallGrains" section. <c>ApiKeys</c> (and <c>ApiKeyHashes</c>) are all-tenants
/// keys with every scope: the simple case of one service that uses the API. <c>Tenants</c> split the data by
/// <c>userData</c> prefix, each with its own keys and scopes. No key at all: the business endpoints are open.
/// </summary>
public sealed class ApiKeyOptions
{
    public const string Section = "CallGrains";

    public string[] ApiKeys { get; set; } = [];

    /// <summary>All-tenants keys given as the lowercase hex SHA-256 of the key, so that configuration need not hold the secret.</summary>
    public string[] ApiKeyHashes { get; set; } = [];

    [ValidTenants]
    public TenantTable Tenants { get; set; } = [];
}

/// <summary>The tenants by name; a class of its own so that a start-up error can show what was configured.</summary>
public sealed class TenantTable : Dictionary<string, TenantOptions>
{
    public TenantTable() : base(StringComparer.Ordinal)
    {
    }

    public override string ToString() => Count == 0 ? "no tenants" : "tenants " + string.Join(", ", Keys);
}

public sealed class TenantOptions
{
    /// <summary>The tenant owns every call, request and change whose userData starts with one of these.</summary>
    public string[] UserDataPrefixes { get; set; } = [];

    public TenantKeyOptions[] Keys { get; set; } = [];
}

/// <summary>One key of a tenant: the key itself or its SHA-256 (hex), and its scopes (all business scopes when none are given).</summary>
public sealed class TenantKeyOptions
{
    public string? Key { get; set; }

    public string? KeyHash { get; set; }

    public string[] Scopes { get; set; } = [];
}

/// <summary>One configured key as requests are checked against it.</summary>
/// <param name="Name">Its configuration key, for messages ("CallGrains:Tenants:taxi:Keys:0"); never the key itself.</param>
/// <param name="Hash">The SHA-256 of the key.</param>
/// <param name="Tenant">What it may see; null for every tenant's data.</param>
public sealed record ApiKeyEntry(string Name, byte[] Hash, TenantScope? Tenant, FrozenSet<string> Scopes)
{
    public bool Allows(string scope) => Scopes.Contains(scope) || Scopes.Contains(Access.Scopes.Admin);
}

/// <summary>Builds the key entries from <see cref="ApiKeyOptions"/>, or says what is wrong, naming the key.</summary>
public static class ApiKeyTable
{
    public const int MaxPrefixLength = 256;

    public static IReadOnlyList<ApiKeyEntry> Build(ApiKeyOptions options, string section = ApiKeyOptions.Section)
    {
        var problems = Problems(options, section);
        if (problems.Count > 0) throw new OptionsValidationException(section, typeof(ApiKeyOptions), problems);
        return Entries(options, section);
    }

    /// <summary>The keys configured under <paramref name="configuration"/>'s "CallGrains" section, for composition-time decisions.</summary>
    public static IReadOnlyList<ApiKeyEntry> Configured(IConfiguration configuration) =>
        Build(configuration.GetSection(ApiKeyOptions.Section).Get<ApiKeyOptions>() ?? new());

    /// <summary>Every problem of the configuration, each naming its key; empty when it is usable.</summary>
    public static List<string> Problems(ApiKeyOptions options, string section = ApiKeyOptions.Section)
    {
        var problems = new List<string>();
        for (var i = 0; i < options.ApiKeyHashes.Length; i++)
            if (!IsHash(options.ApiKeyHashes[i]))
                problems.Add($"{section}:ApiKeyHashes:{i} must be the 64 hex digits of a SHA-256.");

        var owners = new List<(string Prefix, string Key, string Tenant)>();
        foreach (var (tenant, settings) in options.Tenants)
        {
            var at = $"{section}:Tenants:{tenant}";
            if (settings.UserDataPrefixes.Length == 0)
                problems.Add($"{at}:UserDataPrefixes is empty: a tenant must own at least one userData prefix.");
            for (var i = 0; i < settings.UserDataPrefixes.Length; i++)
            {
                var prefix = settings.UserDataPrefixes[i];
                var key = $"{at}:UserDataPrefixes:{i}";
                if (string.IsNullOrEmpty(prefix) || prefix.Length > MaxPrefixLength || prefix.Any(char.IsControl))
                {
                    // An empty prefix would own every call.
                    problems.Add($"{key} must be 1 to {MaxPrefixLength} characters, none of them control characters.");
                    continue;
                }
                foreach (var other in owners.Where(o => o.Tenant != tenant && (o.Prefix.StartsWith(prefix, StringComparison.Ordinal) || prefix.StartsWith(o.Prefix, StringComparison.Ordinal))))
                    problems.Add($"{key} '{prefix}' overlaps {other.Key} '{other.Prefix}' of tenant {other.Tenant}: a call would belong to both.");
                owners.Add((prefix, key, tenant));
            }
            for (var i = 0; i < settings.Keys.Length; i++)
            {
                var entry = settings.Keys[i];
                var key = $"{at}:Keys:{i}";
                if (string.IsNullOrWhiteSpace(entry.Key) == string.IsNullOrWhiteSpace(entry.KeyHash))
                    problems.Add($"{key} needs exactly one of Key and KeyHash.");
                else if (entry.KeyHash is { } hash && !string.IsNullOrWhiteSpace(hash) && !IsHash(hash))
                    problems.Add($"{key}:KeyHash must be the 64 hex digits of a SHA-256.");
                foreach (var scope in entry.Scopes.Where(s => !Scopes.Everything.Contains(s)))
                    problems.Add($"{key}:Scopes has the unknown scope '{scope}' (known: {string.Join(", ", Scopes.Everything)}).");
            }
        }
        if (problems.Count == 0)
        {
            foreach (var twice in Entries(options, section).GroupBy(e => Convert.ToHexString(e.Hash)).Where(g => g.Count() > 1))
                problems.Add($"{string.Join(" and ", twice.Select(e => e.Name))} are the same key: a key has one tenant and one set of scopes.");
        }
        return problems;
    }

    public static byte[] HashOf(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));

    private static List<ApiKeyEntry> Entries(ApiKeyOptions options, string section)
    {
        var entries = new List<ApiKeyEntry>();
        for (var i = 0; i < options.ApiKeys.Length; i++)
            if (!string.IsNullOrWhiteSpace(options.ApiKeys[i]))
                entries.Add(new($"{section}:ApiKeys:{i}", HashOf(options.ApiKeys[i]), null, Scopes.Everything));
        for (var i = 0; i < options.ApiKeyHashes.Length; i++)
            entries.Add(new($"{section}:ApiKeyHashes:{i}", Convert.FromHexString(options.ApiKeyHashes[i]), null, Scopes.Everything));
        foreach (var (tenant, settings) in options.Tenants)
        {
            var scope = new TenantScope(tenant, [.. settings.UserDataPrefixes]);
            for (var i = 0; i < settings.Keys.Length; i++)
            {
                var key = settings.Keys[i];
                var hash = string.IsNullOrWhiteSpace(key.Key) ? Convert.FromHexString(key.KeyHash!.Trim()) : HashOf(key.Key);
                var scopes = key.Scopes.Length == 0 ? Scopes.Business : key.Scopes.ToFrozenSet(StringComparer.Ordinal);
                entries.Add(new($"{section}:Tenants:{tenant}:Keys:{i}", hash, scope, scopes));
            }
        }
        return entries;
    }

    private static bool IsHash(string? value) => value is not null && value.Trim().Length == 64 && value.Trim().All(char.IsAsciiHexDigit);
}

/// <summary>Runs <see cref="ApiKeyTable.Problems"/> at start and on every reload, through the validated-options helper.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class ValidTenantsAttribute : ValidationAttribute
{
    protected override ValidationResult? IsValid(object? value, ValidationContext validationContext)
    {
        if (validationContext.ObjectInstance is not ApiKeyOptions options) return ValidationResult.Success;
        // The display name is the full key of Tenants ("CallGrains:Tenants"); problems name keys under its section.
        var section = validationContext.DisplayName is { } name && name.EndsWith(":Tenants", StringComparison.Ordinal)
            ? name[..^":Tenants".Length]
            : ApiKeyOptions.Section;
        var problems = ApiKeyTable.Problems(options, section);
        return problems.Count == 0 ? ValidationResult.Success : new ValidationResult(string.Join(" ", problems));
    }
}
