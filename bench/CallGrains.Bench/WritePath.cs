using System.Globalization;
using Npgsql;

namespace CallGrains.Bench;

/// <summary>
/// `--write-path`: where PostgreSQL's time goes on the durable ingest path. One co-hosted node at 128 in flight, as in
/// step (c), with pg_stat_statements loaded into the throwaway server; prints each statement's share of the server's
/// execution and planning time per acknowledged push. A profile, not a figure for the targets: the extension costs a
/// little itself.
/// </summary>
public static class WritePath
{
    public const string ServerOptions = "-c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track_planning=on " +
                                        "-c pg_stat_statements.max=1000";

    public static async Task RunAsync(string connectionString, int warmUp, int seconds)
    {
        await using var cluster = await Deployment.OnPostgresAsync(connectionString);
        await using var source = NpgsqlDataSource.Create(connectionString);
        await using (var create = source.CreateCommand("CREATE EXTENSION IF NOT EXISTS pg_stat_statements"))
            await create.ExecuteNonQueryAsync();

        await Load.RunAsync(cluster, concurrency: 64, rate: 0, warmUp, verify: false);
        await using (var reset = source.CreateCommand("SELECT pg_stat_statements_reset()"))
            await reset.ExecuteNonQueryAsync();
        var cpu = CpuSample.Take(cluster);
        var run = await Load.RunAsync(cluster, concurrency: 128, rate: 0, seconds, verify: false);
        var used = CpuSample.Take(cluster) - cpu;
        var pushes = run.Traffic.PushesSent;
        Console.WriteLine($"  write path, 128 in flight: {run.Traffic.AcknowledgedPerSecond,7:F0}/s; {used.PerPush(pushes, run.Traffic.Seconds)}");

        await using var top = source.CreateCommand("""
            SELECT s.calls, s.rows, s.total_exec_time, s.total_plan_time, s.plans,
                   s.shared_blks_hit + s.shared_blks_read, s.wal_bytes, left(regexp_replace(s.query, '\s+', ' ', 'g'), 110)
            FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
            WHERE d.datname = current_database()
            ORDER BY s.total_exec_time + s.total_plan_time DESC
            LIMIT 15
            """);
        await using var reader = await top.ExecuteReaderAsync();
        Console.WriteLine("  statement share per acknowledged push (exec + plan µs, blocks touched, WAL bytes), top 15:");
        while (await reader.ReadAsync())
        {
            var calls = reader.GetInt64(0);
            var exec = reader.GetDouble(2) * 1000 / pushes;
            var plan = reader.GetDouble(3) * 1000 / pushes;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"    {exec,7:F1} + {plan,5:F1} µs  {reader.GetInt64(5) / (double)pushes,6:F1} blk  {reader.GetDecimal(6) / pushes,7:F0} B  " +
                $"calls {calls,7} ({reader.GetInt64(1) / (double)Math.Max(calls, 1),6:F1} rows, {reader.GetInt64(4),6} plans)  {reader.GetString(7)}"));
        }
    }
}
