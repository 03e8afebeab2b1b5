using CallGrains.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace CallGrains.Silo;

/// <summary>
/// The grain host. With <c>ConnectionStrings:CallGrains</c> it joins the PostgreSQL cluster; without it,
/// a single localhost silo with memory storage, to try the grains alone.
/// </summary>
public static class SiloHost
{
    public static IHost Build(string[] args)
    {
        var builder = Host.CreateApplicationBuilder(args);
        var connectionString = builder.Configuration.GetConnectionString(ClusterSettings.ConnectionStringName);
        var cluster = builder.Services.AddValidatedOptions<ClusterSettings>(builder.Configuration, ClusterSettings.Section);
        builder.Services.AddCallGrainsLimits(builder.Configuration);
        builder.UseOrleans(silo =>
        {
            if (string.IsNullOrWhiteSpace(connectionString))
            {
                silo.UseLocalhostClustering(cluster.SiloPort, cluster.GatewayPort).UseCallGrainsInMemoryStorage();
                return;
            }
            silo.UseCallGrainsCluster(cluster).UseCallGrainsPostgres(connectionString);
        });
        return builder.Build();
    }
}
