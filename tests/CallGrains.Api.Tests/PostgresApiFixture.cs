using Microsoft.AspNetCore.Builder;
using CallGrains.Tests.Shared;
using static CallGrains.Tests.Shared.LoopbackPorts;

namespace CallGrains.Api.Tests;

/// <summary>
/// The same contract on the durable configuration, as users run it: a throwaway PostgreSQL with the schema applied
/// and the service as a co-hosted node on it (a silo with ADO.NET clustering, storage and reminders, serving the API
/// itself). A store outage is PostgreSQL actually stopped.
/// </summary>
public class PostgresApiFixture : ApiFixture
{
    private readonly PostgresServer _postgres = new();

    protected override async Task<IEnumerable<string>> PrepareAsync()
    {
        await _postgres.InitializeAsync();
        var connectionString = await _postgres.CreateMigratedDatabaseAsync();
        return
        [
            $"--ConnectionStrings:CallGrains={connectionString}",
            $"--CallGrains:Cluster:ClusterId=api-tests-{Guid.NewGuid():N}",
            "--CallGrains:Cluster:ServiceId=api-tests",
            $"--CallGrains:Cluster:SiloPort={FreePort()}",
            $"--CallGrains:Cluster:GatewayPort={FreePort()}",
        ];
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
