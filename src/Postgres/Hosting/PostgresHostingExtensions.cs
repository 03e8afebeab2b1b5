using CallGrains.Hosting;
using CallGrains.Postgres.Storage;
using CallGrains.Requests;
using CallGrains.Storage;
using CallGrains.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Orleans.Configuration;
using Orleans.Storage;

namespace CallGrains.Hosting;

/// <summary>
/// The PostgreSQL wiring: CallGrains' journal and projections through Npgsql, and Orleans' clustering,
/// grain storage and reminders through its ADO.NET providers, all on the schema in db/ (apply it first with
/// <see cref="CallGrains.Postgres.Schema.SchemaMigrator"/>).
/// </summary>
public static class PostgresHostingExtensions
{
    /// <summary>The ADO.NET invariant Orleans loads Npgsql's factory by; the storage default is SQL Server.</summary>
    public const string Invariant = "Npgsql";

    /// <summary>
    /// The service key of CallGrains' <see cref="NpgsqlDataSource"/>. Keyed so that a data source the host
    /// registers for its own use is never mistaken for this one, or the other way round.
    /// </summary>
    public const string DataSourceKey = "callgrains";

    /// <summary>
    /// The read side for a host that only queries (the API in front of a silo cluster): one pooled data source and
    /// <see cref="PostgresStore"/> as the journal reader and both projections. No journal writer is built.
    /// </summary>
    public static IServiceCollection AddCallGrainsPostgresReads(this IServiceCollection services, string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        services.TryAddKeyedSingleton(DataSourceKey, (sp, _) =>
        {
            var builder = new NpgsqlDataSourceBuilder(connectionString).UseLoggerFactory(sp.GetService<ILoggerFactory>());
            // Nothing run on these connections leaves session state behind (no SET, LISTEN, temporary table or session
            // lock), so resetting each one as it goes back to the pool is pure cost: DISCARD ALL, or seven statements
            // once the connection holds prepared statements (CallAppends), for every read and every commit.
            builder.ConnectionStringBuilder.NoResetOnClose = true;
            return builder.Build();
        });
        services.TryAddSingleton(sp => new PostgresStore(sp.GetRequiredKeyedService<NpgsqlDataSource>(DataSourceKey), sp.GetService<CallGrainsMetrics>(), ServiceTime.Of(sp)));
        // Plain adds, not TryAdd: whichever store is registered last is the one resolved, so this replaces an
        // in-memory store registered earlier instead of silently losing to it.
        // Grain activations (and /events) read through the batcher, so that concurrent activations share a query.
        // Registered here, not with the writer, so that whichever of the two extensions a host calls last, reads batch.
        services.TryAddSingleton(sp => new BatchedJournalReader(sp.GetRequiredService<PostgresStore>(),
            sp.GetService<IOptions<JournalReadOptions>>()?.Value ?? new JournalReadOptions()));
        services.AddSingleton<IJournalReader>(sp => sp.GetRequiredService<BatchedJournalReader>());
        services.AddSingleton<IStoredViews>(sp => new PostgresStoredViews(sp.GetRequiredKeyedService<NpgsqlDataSource>(DataSourceKey)));
        // Pending items write no projection row and no change, so a host without the journal writer may hold them: any
        // entrance journals the items of a push whose grain's silo died (a separate API tier as much as a node).
        services.AddSingleton<IPendingJournal>(sp => sp.GetRequiredService<PostgresStore>());
        services.AddSingleton<ICallsProjection>(sp => sp.GetRequiredService<PostgresStore>());
        services.AddSingleton<IRequestsProjection>(sp => sp.GetRequiredService<PostgresStore>());
        services.AddSingleton<IChangeFeed>(sp => sp.GetRequiredService<PostgresStore>());
        services.AddSingleton<ICallExport>(sp => new PostgresCallExport(sp.GetRequiredKeyedService<NpgsqlDataSource>(DataSourceKey)));
        services.AddSingleton<ISubscriptionStore>(sp => new PostgresSubscriptionStore(sp.GetRequiredKeyedService<NpgsqlDataSource>(DataSourceKey)));
        services.AddSingleton<IErasureStore>(sp => new PostgresErasureStore(sp.GetRequiredKeyedService<NpgsqlDataSource>(DataSourceKey)));
        services.TryAddSingleton<ChangeSignal>();
        return services;
    }

    /// <summary>The read side and the write side: appends go through the group-commit writer (<see cref="GroupCommitJournal"/>).</summary>
    public static IServiceCollection AddCallGrainsPostgres(this IServiceCollection services, string connectionString)
    {
        services.AddCallGrainsPostgresReads(connectionString);
        // Bound and validated by UseCallGrainsPostgres; a host that calls this directly gets the defaults.
        services.TryAddSingleton(sp => sp.GetService<IOptions<GroupCommitOptions>>()?.Value ?? new GroupCommitOptions());
        services.AddCallGrainsMetrics();
        services.TryAddSingleton(sp => new GroupCommitJournal(
            sp.GetRequiredService<PostgresStore>(), sp.GetRequiredService<GroupCommitOptions>(), sp.GetRequiredService<ChangeSignal>(),
            sp.GetRequiredService<CallGrainsMetrics>()));
        services.AddSingleton<IPushJournal>(sp => sp.GetRequiredService<GroupCommitJournal>());
        return services;
    }

    /// <summary>
    /// A silo on PostgreSQL: ADO.NET clustering, the "requests" grain storage (System.Text.Json, so the stored
    /// state carries no .NET type names), ADO.NET reminders, and the CallGrains store. Every provider shares
    /// the one data source.
    /// </summary>
    public static ISiloBuilder UseCallGrainsPostgres(this ISiloBuilder silo, string connectionString)
    {
        // Bound here, where the journal writer is registered, so that every silo on PostgreSQL refuses a bad
        // "CallGrains:GroupCommit" value at start instead of running with it.
        silo.Services.AddValidatedOptions<GroupCommitOptions>(silo.Configuration, GroupCommitOptions.Section);
        silo.Services.AddValidatedOptions<JournalReadOptions>(silo.Configuration, JournalReadOptions.Section);
        silo.Services.AddCallGrainsPostgres(connectionString);
        silo.AddCallGrainsReprojection();
        silo.AddCallGrainsWebhooks();
        silo.AddCallGrainsCatchUp();
        silo.UseAdoNetClustering(options => options.Configure<IServiceProvider>((o, sp) =>
        {
            o.Invariant = Invariant;
            o.DataSource = DataSource(sp);
        }));
        silo.AddAdoNetGrainStorage(BusinessRequestGrain.StorageName, options => options.Configure<IServiceProvider>((o, sp) =>
        {
            o.Invariant = Invariant;
            o.DataSource = DataSource(sp);
            // Set before the first write: rows written by another serializer would not read back.
            o.GrainStorageSerializer = ActivatorUtilities.CreateInstance<SystemTextJsonGrainStorageSerializer>(sp);
            // An erased request's row goes, not only its state: the row's key holds the userData.
            o.DeleteStateOnClear = true;
        }));
        silo.UseAdoNetReminderService(options => options.Configure<IServiceProvider>((o, sp) =>
        {
            o.Invariant = Invariant;
            o.DataSource = DataSource(sp);
        }));
        return silo;
    }

    /// <summary>An Orleans client (the API) that finds the silos' gateways in the PostgreSQL membership table.</summary>
    public static IClientBuilder UseCallGrainsPostgresClustering(this IClientBuilder client, string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        return client.UseAdoNetClustering(options =>
        {
            options.Invariant = Invariant;
            options.ConnectionString = connectionString;
        });
    }

    private static NpgsqlDataSource DataSource(IServiceProvider services) =>
        services.GetRequiredKeyedService<NpgsqlDataSource>(DataSourceKey);
}
