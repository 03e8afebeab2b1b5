using CallGrains.Api.Hosting;
using CallGrains.Operability.Access;
using Microsoft.Extensions.Options;

namespace CallGrains.Api.Tests;

/// <summary>The tenant and key configuration is checked before anything starts, and each problem names its key.</summary>
public sealed class TenantOptionsTests
{
    private static readonly string TaxiHash = Convert.ToHexStringLower(ApiKeyTable.HashOf("taxi-key"));

    public static TheoryData<string, string[]> BadConfigurations() => new()
    {
        { "CallGrains:Tenants:courier:UserDataPrefixes:0", ["Tenants:taxi:UserDataPrefixes:0=taxi-", "Tenants:courier:UserDataPrefixes:0=taxi-express-"] },
        { "CallGrains:Tenants:taxi:UserDataPrefixes:1", ["Tenants:taxi:UserDataPrefixes:0=taxi-", "Tenants:taxi:UserDataPrefixes:1="] },
        { "CallGrains:Tenants:taxi:UserDataPrefixes", ["Tenants:taxi:Keys:0:Key=k1"] },
        { "CallGrains:Tenants:taxi:Keys:0:Scopes", ["Tenants:taxi:UserDataPrefixes:0=taxi-", "Tenants:taxi:Keys:0:Key=k1", "Tenants:taxi:Keys:0:Scopes:0=calls:write"] },
        { "CallGrains:Tenants:taxi:Keys:0", ["Tenants:taxi:UserDataPrefixes:0=taxi-", "Tenants:taxi:Keys:0:Key=k1", $"Tenants:taxi:Keys:0:KeyHash={TaxiHash}"] },
        { "CallGrains:Tenants:taxi:Keys:0:KeyHash", ["Tenants:taxi:UserDataPrefixes:0=taxi-", "Tenants:taxi:Keys:0:KeyHash=abc"] },
        { "CallGrains:ApiKeyHashes:0", ["ApiKeyHashes:0=not-a-hash"] },
        { "CallGrains:Tenants:taxi:Keys:0", ["ApiKeys:0=taxi-key", "Tenants:taxi:UserDataPrefixes:0=taxi-", $"Tenants:taxi:Keys:0:KeyHash={TaxiHash}"] },
    };

    [Theory]
    [MemberData(nameof(BadConfigurations))]
    public async Task The_api_with_a_bad_tenant_or_key_setting_refuses_to_start_and_names_the_key(string key, string[] settings)
    {
        string[] args =
        [
            "--urls=http://127.0.0.1:0", "--Logging:LogLevel:Default=Warning",
            .. settings.Select(s => "--CallGrains:" + s),
        ];

        var error = await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            await using var app = CallGrainsApp.Build(args);
            await app.StartAsync();
            await app.StopAsync();
        });

        var invalid = Assert.IsType<OptionsValidationException>(error);
        Assert.Contains(key, invalid.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("taxi-key", invalid.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Plain_keys_are_all_tenants_keys_with_every_scope_and_a_tenant_key_without_scopes_has_every_business_scope()
    {
        var options = new ApiKeyOptions
        {
            ApiKeys = ["operator"],
            Tenants = new TenantTable { ["taxi"] = new() { UserDataPrefixes = ["taxi-"], Keys = [new() { KeyHash = TaxiHash }] } },
        };

        var entries = ApiKeyTable.Build(options);

        var operatorKey = Assert.Single(entries, e => e.Tenant is null);
        Assert.True(operatorKey.Allows(Scopes.Admin));
        var taxiKey = Assert.Single(entries, e => e.Tenant is not null);
        Assert.Equal(ApiKeyTable.HashOf("taxi-key"), taxiKey.Hash);
        Assert.Equal("taxi", taxiKey.Tenant!.Name);
        Assert.All(Scopes.Business, s => Assert.True(taxiKey.Allows(s)));
        Assert.False(taxiKey.Allows(Scopes.PiiRead));
        Assert.True(taxiKey.Tenant.Owns("taxi-order-1"));
        Assert.False(taxiKey.Tenant.Owns("courier-order-1"));
        Assert.False(taxiKey.Tenant.Owns(null));
    }
}
