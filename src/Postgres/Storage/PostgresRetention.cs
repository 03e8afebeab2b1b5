using System.Globalization;
using System.Text.RegularExpressions;
using CallGrains.Domain.Retention;
using CallGrains.Retention;
using Npgsql;

namespace CallGrains.Postgres.Storage;

/// <summary>
/// Retention on PostgreSQL (db/014): the journal, the calls projection and the change feed are partitioned by week, so
/// a week past the retention goes by dropping its partitions, never by deleting rows one by one. Each week is dropped
/// in a transaction of its own with a short lock timeout: dropping a partition takes an exclusive lock on its table,
/// which waits for the commits in flight and holds new ones back only for that moment; a week that cannot get the lock
/// in time is left for the next run.
/// </summary>
public sealed partial class PostgresRetention(NpgsqlDataSource dataSource) : IRetentionStore
{
    private const string Journal = "callgrains_journal";
    private const string Calls = "callgrains_calls";
    private const string Changes = "callgrains_changes";
    /// <summary>The partitioned tables, in the order a group-commit batch locks them (and so every lock here takes them).</summary>
    private static readonly string[] Partitioned = [Calls, Journal, Changes];
    private const string LockTimeout = "SET LOCAL lock_timeout = '2s'";

    public async Task<int> PrepareAsync(DateTimeOffset now, DateTimeOffset until, CancellationToken cancellationToken = default)
    {
        var first = now - RetentionPolicy.Period;
        // Nearly every run (and silo start) finds every week made: it looks first, without the locks below, which would
        // hold every push back for as long as they wait for the commits in flight.
        if (await NothingToPrepareAsync(first, until, cancellationToken)) return 0;
        // The weeks ahead, then those of whatever rows sit in a DEFAULT partition (the job did not run for longer than
        // it creates ahead, or a clock jumped): their rows move into a partition of their own, where retention finds them.
        // Creating a partition locks its table and the DEFAULT partition; the function takes them in an order of its own
        // (db/014), so the tables are locked first here, in the order every query takes them (see DropAsync).
        var created = await ScalarAsync<int>("""
            SELECT callgrains_ensure_weeks($1, $2)
            """, cancellationToken, Partitioned, first.ToUniversalTime(), until.ToUniversalTime());
        created += await ScalarAsync<int>("""
            SELECT coalesce(sum(callgrains_ensure_weeks(w, w)), 0)::int
            FROM (SELECT date_trunc('week', first_received_at, 'UTC') FROM callgrains_calls_default
                  UNION SELECT date_trunc('week', first_received_at, 'UTC') FROM callgrains_journal_default
                  UNION SELECT date_trunc('week', at, 'UTC') FROM callgrains_changes_default) AS waiting(w)
            """, cancellationToken, Partitioned);
        return created;
    }

    /// <summary>
    /// Whether callgrains_ensure_weeks would find nothing to do: the three tables have a partition for every week from
    /// <paramref name="first"/>'s to <paramref name="until"/>, and their DEFAULT partitions hold no row.
    /// </summary>
    private async Task<bool> NothingToPrepareAsync(DateTimeOffset first, DateTimeOffset until, CancellationToken cancellationToken)
    {
        var partitions = await PartitionsAsync(cancellationToken);
        for (var week = RetentionPolicy.WeekOf(first); week <= until; week += RetentionPolicy.Period)
        {
            if (!partitions.TryGetValue(week, out var tables) || tables.Count < Partitioned.Length) return false;
        }
        return !await ScalarAsync<bool>("""
            SELECT EXISTS (SELECT FROM callgrains_calls_default) OR EXISTS (SELECT FROM callgrains_journal_default)
                OR EXISTS (SELECT FROM callgrains_changes_default)
            """, cancellationToken, []);
    }

    public async Task<RetentionSweep> SweepAsync(
        RetentionPolicy policy, DateTimeOffset now, Func<Task<IReadOnlySet<string>>> activeSessions,
        CancellationToken cancellationToken = default)
    {
        var cutoff = policy.Cutoff(now).ToUniversalTime();
        var partitions = await PartitionsAsync(cancellationToken);
        var (weeksRemoved, weeksPostponed, dropped) = (0, 0, 0);
        long callsRemoved = 0, changesRemoved = 0;
        var removedActive = new List<string>();
        IReadOnlySet<string>? active = null;

        foreach (var (week, tables) in partitions.Where(p => policy.WeekEnded(p.Key, now)).OrderBy(p => p.Key))
        {
            var calls = tables.Contains(Calls) ? Name(Calls, week) : null;
            if (calls is not null || tables.Contains(Journal))
            {
                var (count, lastPush) = calls is null ? (0L, (DateTimeOffset?)null) : await CallsInAsync(calls, cancellationToken);
                // A week with a call pushed to since the cutoff is kept whole until that call is past the retention too:
                // such a call is rare (a session id used again, a CDR weeks late), and its week's other calls wait for it.
                if (lastPush > cutoff)
                {
                    weeksPostponed++;
                }
                else
                {
                    if (calls is not null && count > 0)
                    {
                        active ??= await activeSessions();
                        if (active.Count > 0) removedActive.AddRange(await SessionsInAsync(calls, active, cancellationToken));
                    }
                    // Calls before journal: the order a group-commit batch locks them in, so that the two never deadlock.
                    string[] parents = [.. new[] { Calls, Journal }.Where(tables.Contains)];
                    dropped += await DropAsync(parents, [.. parents.Select(t => Name(t, week))], cancellationToken);
                    weeksRemoved++;
                    callsRemoved += count;
                }
            }
            if (tables.Contains(Changes))
            {
                var changes = Name(Changes, week);
                changesRemoved += await ScalarAsync<long>($"SELECT count(*) FROM {changes}", cancellationToken, []);
                dropped += await DropAsync([Changes], [changes], cancellationToken);
            }
        }
        return new RetentionSweep(weeksRemoved, weeksPostponed, dropped, callsRemoved, changesRemoved, removedActive);
    }

    /// <summary>The week partitions of the three tables, by week start: which tables have one.</summary>
    private async Task<Dictionary<DateTimeOffset, HashSet<string>>> PartitionsAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT parent.relname, part.relname
            FROM pg_inherits i
                JOIN pg_class part ON part.oid = i.inhrelid
                JOIN pg_class parent ON parent.oid = i.inhparent
            WHERE parent.relname IN ('callgrains_journal', 'callgrains_calls', 'callgrains_changes')
              AND pg_table_is_visible(parent.oid)
            """);
        var weeks = new Dictionary<DateTimeOffset, HashSet<string>>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var (parent, part) = (reader.GetString(0), reader.GetString(1));
            var match = WeekPartition().Match(part);
            if (!match.Success || match.Groups[1].Value != parent) continue;
            var week = new DateTimeOffset(DateTime.ParseExact(match.Groups[2].Value, "yyyyMMdd", CultureInfo.InvariantCulture), TimeSpan.Zero);
            if (!weeks.TryGetValue(week, out var tables)) weeks[week] = tables = [];
            tables.Add(parent);
        }
        return weeks;
    }

    private async Task<(long Count, DateTimeOffset? LastPush)> CallsInAsync(string partition, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT count(*), max(updated_at) FROM {partition}");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return (reader.GetInt64(0), reader.IsDBNull(1) ? null : reader.GetFieldValue<DateTimeOffset>(1));
    }

    private async Task<List<string>> SessionsInAsync(string partition, IReadOnlySet<string> sessions, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT session_id FROM {partition} WHERE session_id = ANY($1)");
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. sessions] });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var found = new List<string>();
        while (await reader.ReadAsync(cancellationToken)) found.Add(reader.GetString(0));
        return found;
    }

    /// <summary>Drops the partitions together (a week's journal and calls go at once, or neither); returns how many.</summary>
    /// <param name="parents">Their tables, in the order a group-commit batch takes them.</param>
    /// <remarks>
    /// The tables are locked before their partitions are dropped. DROP TABLE on a partition alone locks the partition
    /// first and its table second, while every query of the table (a grain's journal read, a batch's insert) locks the
    /// table first and its partitions second: with both in flight, each waited for the other and PostgreSQL aborted
    /// one of them as a deadlock, failing pushes with 503 while the job ran.
    /// </remarks>
    private async Task<int> DropAsync(IReadOnlyList<string> parents, IReadOnlyList<string> partitions, CancellationToken cancellationToken)
    {
        if (partitions.Count == 0) return 0;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await BeginWithLockTimeoutAsync(connection, cancellationToken);
        await LockAsync(connection, transaction, parents, cancellationToken);
        await using (var drop = new NpgsqlCommand($"DROP TABLE IF EXISTS {string.Join(", ", partitions)}", connection, transaction))
            await drop.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return partitions.Count;
    }

    /// <param name="tables">Locked (exclusively, in this order) before the statement runs; none when empty.</param>
    private async Task<T> ScalarAsync<T>(string sql, CancellationToken cancellationToken, IReadOnlyList<string> tables, params object[] parameters)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await BeginWithLockTimeoutAsync(connection, cancellationToken);
        await LockAsync(connection, transaction, tables, cancellationToken);
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        foreach (var value in parameters) command.Parameters.Add(new NpgsqlParameter { Value = value });
        var result = (T)(await command.ExecuteScalarAsync(cancellationToken))!;
        await transaction.CommitAsync(cancellationToken);
        return result;
    }

    /// <summary>
    /// Locks whole tables (each with its partitions) before a statement locks parts of them: table first, as every query
    /// of a partitioned table locks, so that this job and the ingest never wait for each other in a cycle.
    /// </summary>
    private static async Task LockAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<string> tables, CancellationToken cancellationToken)
    {
        if (tables.Count == 0) return;
        await using var command = new NpgsqlCommand($"LOCK TABLE {string.Join(", ", tables)} IN ACCESS EXCLUSIVE MODE", connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>A transaction whose statements give up on a lock after <see cref="LockTimeout"/>, instead of queueing the ingest behind them.</summary>
    private static async Task<NpgsqlTransaction> BeginWithLockTimeoutAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var transaction = await connection.BeginTransactionAsync(cancellationToken);
        try
        {
            await using var timeout = new NpgsqlCommand(LockTimeout, connection, transaction);
            await timeout.ExecuteNonQueryAsync(cancellationToken);
            return transaction;
        }
        catch
        {
            await transaction.DisposeAsync();
            throw;
        }
    }

    /// <summary>A partition's name as db/014's callgrains_ensure_week makes it.</summary>
    private static string Name(string table, DateTimeOffset week) =>
        $"{table}_w{week.UtcDateTime.ToString("yyyyMMdd", CultureInfo.InvariantCulture)}";

    [GeneratedRegex("^(callgrains_journal|callgrains_calls|callgrains_changes)_w([0-9]{8})$")]
    private static partial Regex WeekPartition();
}
