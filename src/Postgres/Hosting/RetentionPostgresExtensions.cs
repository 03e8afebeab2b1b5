using CallGrains.Postgres.Storage;
using CallGrains.Retention;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace CallGrains.Hosting;

/// <summary>Retention over PostgreSQL: partitions made ahead and dropped (db/014, <see cref="PostgresRetention"/>).</summary>
public static class RetentionPostgresExtensions
{
    /// <summary>After <see cref="PostgresHostingExtensions.UseCallGrainsPostgres"/>, whose data source it shares.</summary>
    public static ISiloBuilder AddCallGrainsPostgresRetention(this ISiloBuilder silo)
    {
        silo.Services.AddSingleton<IRetentionStore>(sp =>
            new PostgresRetention(sp.GetRequiredKeyedService<NpgsqlDataSource>(PostgresHostingExtensions.DataSourceKey)));
        return silo.AddCallGrainsRetention();
    }
}
