using System.Data;
using System.Globalization;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace CallGrains.Postgres.Schema;

/// <summary>One versioned schema script (db/NNN_name.sql, embedded in this assembly).</summary>
public sealed record SchemaStep(int Version, string Name, string Sql, string Checksum);

/// <summary>What a migration run did.</summary>
/// <param name="Changed">Steps recorded as applied whose script has been edited since; they are not re-run.</param>
public sealed record MigrationResult(
    IReadOnlyList<SchemaStep> Applied,
    IReadOnlyList<SchemaStep> AlreadyApplied,
    IReadOnlyList<SchemaStep> Changed);

/// <summary>
/// Applies the db/ steps that a database has not recorded yet, each in its own transaction, and records them in
/// <c>callgrains_schema_version</c>. A session advisory lock makes concurrent runs (several silos or init
/// containers starting together) take turns: the first applies, the others find everything recorded. The steps
/// themselves are idempotent too (each on a database at its own version or later; 007 and 008 only before 014, which
/// partitions their tables), so running one again changes nothing.
/// </summary>
public sealed class SchemaMigrator(NpgsqlDataSource dataSource, ILogger<SchemaMigrator>? logger = null)
{
    // Any constant works as long as every CallGrains migrator uses the same one; the bytes spell "CallGrns".
    private const long AdvisoryLockKey = 0x43616C6C47726E73;
    private const string ResourcePrefix = "CallGrains.Postgres.Schema.";
    private const int MinimumServerVersion = 15; // UNIQUE NULLS NOT DISTINCT in 002

    private static readonly Lazy<IReadOnlyList<SchemaStep>> _steps = new(LoadSteps);
    private readonly ILogger _logger = logger ?? NullLogger<SchemaMigrator>.Instance;

    /// <summary>Every step shipped in this assembly, in version order.</summary>
    public static IReadOnlyList<SchemaStep> Steps => _steps.Value;

    public async Task<MigrationResult> MigrateAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        if (connection.PostgreSqlVersion.Major < MinimumServerVersion)
            throw new NotSupportedException(
                $"CallGrains needs PostgreSQL {MinimumServerVersion} or later; the server is {connection.PostgreSqlVersion}.");

        await ExecuteAsync(connection, null, "SELECT pg_advisory_lock($1)", cancellationToken, AdvisoryLockKey);
        try
        {
            await ExecuteAsync(connection, null, """
                CREATE TABLE IF NOT EXISTS callgrains_schema_version
                (
                    version    integer PRIMARY KEY,
                    name       text        NOT NULL,
                    checksum   text        NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now()
                )
                """, cancellationToken);
            var recorded = await RecordedChecksumsAsync(connection, cancellationToken);

            var applied = new List<SchemaStep>();
            var alreadyApplied = new List<SchemaStep>();
            var changed = new List<SchemaStep>();
            foreach (var step in Steps)
            {
                if (recorded.TryGetValue(step.Version, out var checksum))
                {
                    alreadyApplied.Add(step);
                    if (checksum != step.Checksum)
                    {
                        changed.Add(step);
                        _logger.LogWarning(
                            "Schema step {Step} was edited after it was applied; it is not re-run. Put changes in a new step.",
                            step.Name);
                    }
                    continue;
                }
                await ApplyAsync(connection, step, cancellationToken);
                applied.Add(step);
                _logger.LogInformation("Applied schema step {Step}", step.Name);
            }
            return new MigrationResult(applied, alreadyApplied, changed);
        }
        finally
        {
            // Also released when the session ends; unlocking explicitly keeps a pooled connection clean.
            if (connection.State == ConnectionState.Open)
                await ExecuteAsync(connection, null, "SELECT pg_advisory_unlock($1)", CancellationToken.None, AdvisoryLockKey);
        }
    }

    /// <summary>
    /// The body of a <c>migrate</c> command: applies the schema, prints one line per step, and returns the
    /// process exit code (0 on success).
    /// </summary>
    public static async Task<int> RunAsync(string connectionString, TextWriter output, CancellationToken cancellationToken = default)
    {
        await using var source = NpgsqlDataSource.Create(connectionString);
        var result = await new SchemaMigrator(source).MigrateAsync(cancellationToken);
        foreach (var step in result.AlreadyApplied)
            await output.WriteLineAsync($"already applied  {step.Name}{(result.Changed.Contains(step) ? "  (edited since: not re-run)" : "")}");
        foreach (var step in result.Applied)
            await output.WriteLineAsync($"applied          {step.Name}");
        await output.WriteLineAsync($"schema is at version {Steps[^1].Version}");
        return 0;
    }

    private static async Task ApplyAsync(NpgsqlConnection connection, SchemaStep step, CancellationToken cancellationToken)
    {
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        try
        {
            // On a live database DDL can queue behind long transactions and block everyone queued after it;
            // better to fail this run and retry than to stall the silos.
            await ExecuteAsync(connection, transaction, "SET LOCAL lock_timeout = '15s'", cancellationToken);
            await ExecuteAsync(connection, transaction, step.Sql, cancellationToken);
            await ExecuteAsync(connection, transaction,
                "INSERT INTO callgrains_schema_version (version, name, checksum) VALUES ($1, $2, $3)",
                cancellationToken, step.Version, step.Name, step.Checksum);
            await transaction.CommitAsync(cancellationToken);
        }
        catch (PostgresException ex)
        {
            throw new InvalidOperationException($"Schema step {step.Name} failed and was rolled back: {ex.MessageText}", ex);
        }
    }

    private static async Task<Dictionary<int, string>> RecordedChecksumsAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT version, checksum FROM callgrains_schema_version", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var recorded = new Dictionary<int, string>();
        while (await reader.ReadAsync(cancellationToken)) recorded[reader.GetInt32(0)] = reader.GetString(1);
        return recorded;
    }

    private static async Task ExecuteAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, CancellationToken cancellationToken,
        params object[] parameters)
    {
        // No time limit: a step may copy a large table (014). The lock timeout keeps one from waiting on live silos.
        await using var command = new NpgsqlCommand(sql, connection, transaction) { CommandTimeout = 0 };
        foreach (var value in parameters) command.Parameters.Add(new NpgsqlParameter { Value = value });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static IReadOnlyList<SchemaStep> LoadSteps()
    {
        var assembly = typeof(SchemaMigrator).Assembly;
        var steps = assembly.GetManifestResourceNames()
            .Where(name => name.StartsWith(ResourcePrefix, StringComparison.Ordinal) && name.EndsWith(".sql", StringComparison.Ordinal))
            .Select(name => Load(assembly, name))
            .OrderBy(step => step.Version)
            .ToList();
        if (steps.Count == 0) throw new InvalidOperationException("No schema steps are embedded in CallGrains.Postgres.");
        var clash = steps.GroupBy(s => s.Version).FirstOrDefault(g => g.Count() > 1);
        if (clash is not null)
            throw new InvalidOperationException($"Schema steps share version {clash.Key}: {string.Join(", ", clash.Select(s => s.Name))}.");
        return steps;
    }

    private static SchemaStep Load(Assembly assembly, string resource)
    {
        var name = resource[ResourcePrefix.Length..];
        var digits = name.TakeWhile(char.IsAsciiDigit).Count();
        if (digits == 0 || !int.TryParse(name.AsSpan(0, digits), NumberStyles.None, CultureInfo.InvariantCulture, out var version))
            throw new InvalidOperationException($"Schema step {name} does not start with its version number (NNN_name.sql).");
        using var stream = assembly.GetManifestResourceStream(resource)!;
        using var reader = new StreamReader(stream, Encoding.UTF8);
        // Line endings are normalised so that a checkout with CRLF does not look like an edited step.
        var sql = reader.ReadToEnd().Replace("\r\n", "\n", StringComparison.Ordinal);
        var checksum = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sql)));
        return new SchemaStep(version, name, sql, checksum);
    }
}
