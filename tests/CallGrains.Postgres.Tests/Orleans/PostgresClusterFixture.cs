using CallGrains.Hosting;
using CallGrains.Tests.Shared;
using Microsoft.Extensions.Configuration;
using Orleans.TestingHost;

namespace CallGrains.Postgres.Tests.Orleans;

/// <summary>
/// Two silos and a client wired exactly as production wires them (<see cref="PostgresHostingExtensions"/>), on a
/// database of their own and over real TCP on free loopback ports: ADO.NET clustering on silos and client, the
/// "requests" storage, reminders, and the CallGrains store. A second storage with DeleteStateOnClear covers the
/// delete query. Two silos, so that the reminder service reads partial ring ranges rather than the whole ring.
/// </summary>
public sealed class PostgresClusterFixture(PostgresServer server) : IAsyncLifetime
{
    private const string ConnectionStringKey = "CallGrainsTests:ConnectionString";

    public TestCluster Cluster { get; private set; } = null!;

    public string ConnectionString { get; private set; } = "";

    public IClusterClient Client => Cluster.Client;

    public IServiceProvider FirstSilo => Cluster.GetSiloServiceProvider(Cluster.Silos[0].SiloAddress);

    public async Task InitializeAsync()
    {
        ConnectionString = await server.CreateMigratedDatabaseAsync();
        var builder = new TestClusterBuilder(initialSilosCount: 2);
        // No test membership: the silos must find each other, and the client its gateways, through PostgreSQL.
        builder.Options.UseTestClusterMembership = false;
        builder.Options.ConnectionTransport = ConnectionTransportType.TcpSocket;
        builder.Properties[ConnectionStringKey] = ConnectionString;
        builder.AddSiloBuilderConfigurator<SiloConfigurator>();
        builder.AddClientBuilderConfigurator<ClientConfigurator>();
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        if (Cluster is not null) await Cluster.DisposeAsync();
    }

    // The test cluster creates configurators by type and hands them its configuration, hence the key.
    public sealed class SiloConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder silo)
        {
            var connectionString = silo.Configuration[ConnectionStringKey]!;
            silo.UseCallGrainsPostgres(connectionString);
            foreach (var (name, deleteOnClear) in new[] { (DeletingProbeGrain.StorageName, true), (KeepingProbeGrain.StorageName, false) })
                silo.AddAdoNetGrainStorage(name, options =>
                {
                    options.Invariant = PostgresHostingExtensions.Invariant;
                    options.ConnectionString = connectionString;
                    options.DeleteStateOnClear = deleteOnClear;
                });
        }
    }

    public sealed class ClientConfigurator : IClientBuilderConfigurator
    {
        public void Configure(IConfiguration configuration, IClientBuilder client) =>
            client.UseCallGrainsPostgresClustering(configuration[ConnectionStringKey]!);
    }
}
