using Microsoft.AspNetCore.Builder;
using CallGrains.Silo;
using CallGrains.Tests.Shared;
using Microsoft.Extensions.Hosting;

namespace CallGrains.Api.Tests;

/// <summary>
/// The same contract on the durable configuration: a throwaway PostgreSQL with the schema applied, a silo
/// host on it (ADO.NET clustering, storage and reminders) and the API as a stateless client of that cluster.
/// A store outage is PostgreSQL actually stopped.
/// </summary>
public class PostgresApiFixture : ApiFixture
{
    /// <summary>Settings for the silo host only (the API gets <see cref="ApiFixture.Settings"/>).</summary>
    protected virtual IEnumerable<string> SiloSettings => [];

    private readonly PostgresServer _postgres = new();
    private WebApplication? _silo;

    /// <summary>The silo host's own HTTP endpoint (/metrics, /health/*, /dashboard) and its services.</summary>
    public override Uri NodeWithGrains => new(_silo!.Urls.First());

    public override IServiceProvider ServicesWithGrains => _silo!.Services;

    protected override async Task<IEnumerable<string>> PrepareAsync()
    {
        await _postgres.InitializeAsync();
        var connectionString = await _postgres.CreateMigratedDatabaseAsync();
        string[] cluster =
        [
            $"--ConnectionStrings:CallGrains={connectionString}",
            $"--CallGrains:Cluster:ClusterId=api-tests-{Guid.NewGuid():N}",
            "--CallGrains:Cluster:ServiceId=api-tests",
            "--Logging:LogLevel:Default=Warning",
        ];
        _silo = SiloHost.Build([.. cluster, .. SiloSettings, $"--CallGrains:Cluster:SiloPort={FreePort()}", $"--CallGrains:Cluster:GatewayPort={FreePort()}", "--urls=http://127.0.0.1:0"]);
        await _silo.StartAsync();
        return cluster;
    }

    protected override void Configure(WebApplicationBuilder builder)
    {
    }

    public override async Task<IAsyncDisposable> OutageAsync()
    {
        await _postgres.StopAsync();
        return new Restart(_postgres);
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (_silo is not null)
        {
            await _silo.StopAsync();
            await _silo.DisposeAsync();
        }
        await _postgres.DisposeAsync();
    }

    private sealed class Restart(PostgresServer postgres) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync() => await postgres.StartAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class PostgresApiCollection : ICollectionFixture<PostgresApiFixture>
{
    public const string Name = "api-postgres";
}
