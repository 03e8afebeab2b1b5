using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Npgsql;

namespace CallGrains.Bench;

/// <summary>
/// The baseline: pgbench's rate of durable single-row upserts (each its own transaction, fsync and
/// synchronous_commit on) against the same server, with a row about the size of a push item.
/// </summary>
public static partial class Pgbench
{
    private const string Script = """
        \set id random(1, 1000000)
        INSERT INTO bench_upsert (id, n, payload) VALUES (:id, 1, repeat('x', 400))
          ON CONFLICT (id) DO UPDATE SET n = bench_upsert.n + 1, payload = excluded.payload;
        """;

    public static async Task<IReadOnlyList<PgbenchRun>> RunAsync(string binaries, string connectionString, int[] clients, int seconds)
    {
        await using (var connection = new NpgsqlConnection(connectionString))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand("CREATE TABLE IF NOT EXISTS bench_upsert (id bigint PRIMARY KEY, n bigint NOT NULL, payload text NOT NULL)", connection);
            await create.ExecuteNonQueryAsync();
        }
        var script = Path.GetTempFileName();
        await File.WriteAllTextAsync(script, Script);
        try
        {
            var results = new List<PgbenchRun>();
            foreach (var count in clients) results.Add(await RunOnceAsync(binaries, connectionString, script, count, seconds));
            return results;
        }
        finally
        {
            File.Delete(script);
        }
    }

    private static async Task<PgbenchRun> RunOnceAsync(string binaries, string connectionString, string script, int clients, int seconds)
    {
        var target = new NpgsqlConnectionStringBuilder(connectionString);
        var info = new ProcessStartInfo(Path.Combine(binaries, "pgbench"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in new[]
                 {
                     "-n", "-f", script, "-c", clients.ToString(CultureInfo.InvariantCulture), "-j", Math.Min(clients, 2).ToString(CultureInfo.InvariantCulture),
                     "-T", seconds.ToString(CultureInfo.InvariantCulture), "-h", target.Host!, "-p", target.Port.ToString(CultureInfo.InvariantCulture),
                     "-U", target.Username!, target.Database!,
                 })
            info.ArgumentList.Add(arg);
        var (postgresBefore, pgbenchBefore) = (Deployment.PostgresCpuTime(), Deployment.EndedChildrenCpuTime());
        using var process = Process.Start(info)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        var errors = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        var tps = TpsLine().Match(output);
        var processed = ProcessedLine().Match(output);
        if (process.ExitCode != 0 || !tps.Success || !processed.Success)
            throw new InvalidOperationException($"pgbench failed ({process.ExitCode}): {output}\n{errors}");
        // What one transaction costs each side: the figure a push's cost is compared with (a push also pays the node).
        // pgbench's server processes end as it disconnects, and their CPU is counted (in the postmaster's ended
        // children) only once the postmaster has reaped them: without this wait a run could count none of it.
        await Task.Delay(TimeSpan.FromSeconds(1));
        var transactions = Math.Max(double.Parse(processed.Groups[1].Value, CultureInfo.InvariantCulture), 1);
        return new PgbenchRun(clients, double.Parse(tps.Groups[1].Value, CultureInfo.InvariantCulture),
            (Deployment.PostgresCpuTime() - postgresBefore).TotalMicroseconds / transactions,
            (Deployment.EndedChildrenCpuTime() - pgbenchBefore).TotalMicroseconds / transactions);
    }

    [GeneratedRegex(@"tps = ([0-9.]+)")]
    private static partial Regex TpsLine();

    [GeneratedRegex(@"number of transactions actually processed: ([0-9]+)")]
    private static partial Regex ProcessedLine();
}

/// <summary>One pgbench run: its rate, and the CPU each transaction cost PostgreSQL and pgbench itself.</summary>
public sealed record PgbenchRun(int Clients, double Tps, double PostgresUs, double PgbenchUs);
