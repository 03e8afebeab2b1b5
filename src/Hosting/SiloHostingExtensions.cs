using CallGrains.Operability.Dashboard;

namespace CallGrains.Hosting;

/// <summary>
/// The one silo of CallGrains, whichever process hosts it: the grain-only host (<c>CallGrains.Silo</c>) and a co-hosted
/// node (<c>CallGrains.Api</c>, the HTTP API and its silo in one process) call the same method, so the two cannot drift.
/// </summary>
public static class SiloHostingExtensions
{
    /// <summary>
    /// A silo of the PostgreSQL cluster: identity and endpoints from <paramref name="cluster"/>; membership, grain
    /// state, reminders, the journal and the projections in the database; webhook delivery; retention.
    /// </summary>
    public static ISiloBuilder UseCallGrainsClusterSilo(this ISiloBuilder silo, ClusterSettings cluster, string connectionString) =>
        silo.UseCallGrainsCluster(cluster).UseCallGrainsPostgres(connectionString).AddCallGrainsPostgresRetention().AddOperatorViews();

    /// <summary>A single localhost silo with memory storage: the embedded default, or the grain host tried alone.</summary>
    public static ISiloBuilder UseCallGrainsLocalSilo(this ISiloBuilder silo, int siloPort, int gatewayPort) =>
        silo.UseLocalhostClustering(siloPort, gatewayPort).UseCallGrainsInMemoryStorage().AddCallGrainsInMemoryRetention().AddOperatorViews();

    // Every silo carries traces across grain calls and collects what its node's /dashboard shows.
    private static ISiloBuilder AddOperatorViews(this ISiloBuilder silo) => silo.AddActivityPropagation().AddCallGrainsDashboard();
}
