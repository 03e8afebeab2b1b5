using System.Diagnostics;
using CallGrains.Domain.Calls;
using CallGrains.Hosting;
using CallGrains.Reprojection;
using CallGrains.Storage;

namespace CallGrains.Silo;

/// <summary>
/// <c>CallGrains.Silo reproject</c>: after an upgrade of the fold, re-derives every call whose row an older fold wrote,
/// now, printing its progress, rather than leaving it to the cluster's job. It is a client of the running cluster (the
/// same settings as its silos): the store says which calls are stale, and each is asked through its grain, so ingest
/// goes on and a push arriving meanwhile is never overwritten. Exit code 0 when every call asked was re-derived.
/// </summary>
public static class ReprojectCommand
{
    private static readonly TimeSpan ProgressEvery = TimeSpan.FromSeconds(1);

    public static async Task<int> RunAsync(string[] args, TextWriter output, CancellationToken cancellationToken = default)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = AppContext.BaseDirectory });
        // Progress is the output; the client's own logs go to stderr, and only when something is wrong.
        builder.Logging.ClearProviders();
        builder.Logging.AddConsole(console => console.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var connectionString = builder.Configuration.GetConnectionString(ClusterSettings.ConnectionStringName);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            await output.WriteLineAsync($"reproject: set ConnectionStrings:{ClusterSettings.ConnectionStringName} (environment ConnectionStrings__{ClusterSettings.ConnectionStringName}); an embedded service re-derives its calls itself.");
            return 2;
        }
        var cluster = builder.Services.AddValidatedOptions<ClusterSettings>(builder.Configuration, ClusterSettings.Section);
        var walk = builder.Services.AddValidatedOptions<ReprojectionOptions>(builder.Configuration, ReprojectionOptions.Section);
        builder.UseOrleansClient(client => client.UseCallGrainsCluster(cluster).UseCallGrainsPostgresClustering(connectionString));
        builder.Services.AddCallGrainsPostgresReads(connectionString);

        using var host = builder.Build();
        try
        {
            await host.StartAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            await output.WriteLineAsync($"reproject: no silo of cluster '{cluster.ClusterId}' answered ({ex.Message}); start the cluster first.");
            return 1;
        }
        try
        {
            var store = host.Services.GetRequiredService<IStoredViews>();
            var total = await store.CountStaleAsync(cancellationToken);
            await output.WriteLineAsync($"reproject: {total} calls were written by a fold older than version {CallFold.Version} (cluster '{cluster.ClusterId}', {walk.Parallelism} at a time)");
            var done = await WalkAsync(new ReprojectionWalk(store, host.Services.GetRequiredService<IClusterClient>()), walk, total, output, cancellationToken);
            return done.Failed == 0 ? 0 : 1;
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
        }
    }

    private static async Task<ReprojectionTally> WalkAsync(
        ReprojectionWalk walk, ReprojectionOptions options, long total, TextWriter output, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var printed = started;
        var done = ReprojectionTally.Empty;
        while (!done.Complete)
        {
            done = done.Add(await walk.NextPageAsync(done.Last, options.PageSize, options.Parallelism, cancellationToken));
            if (!done.Complete && Stopwatch.GetElapsedTime(printed) < ProgressEvery) continue;
            printed = Stopwatch.GetTimestamp();
            await output.WriteLineAsync(
                Invariant($"reproject: {done.Asked}/{total} calls ({Percent(done.Asked, total):F1} %), {Rate(done.Asked, started):F0} calls/s: ") +
                Invariant($"{done.Rewritten} rewritten, {done.Unchanged} unchanged, {done.Failed} failed"));
        }
        var elapsed = Stopwatch.GetElapsedTime(started);
        await output.WriteLineAsync(
            Invariant($"reproject: done in {elapsed.TotalSeconds:F1} s ({Rate(done.Asked, started):F0} calls/s): {done.Asked} calls asked, ") +
            Invariant($"{done.Rewritten} rewritten, {done.Unchanged} unchanged, {done.Current} current already, ") +
            Invariant($"{done.Moved} written meanwhile (the job asks them again), {done.Failed} failed; fold version {CallFold.Version}"));
        return done;
    }

    private static double Percent(int done, long total) => total == 0 ? 100 : Math.Min(100, 100.0 * done / total);

    private static double Rate(int done, long started) => done / Math.Max(Stopwatch.GetElapsedTime(started).TotalSeconds, 0.001);

    private static string Invariant(FormattableString text) => FormattableString.Invariant(text);
}
