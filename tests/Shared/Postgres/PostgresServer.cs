using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using CallGrains.Postgres.Schema;
using Npgsql;
using static CallGrains.Tests.Shared.LoopbackPorts;

namespace CallGrains.Tests.Shared;

/// <summary>
/// The PostgreSQL server of the test run. With <c>CALLGRAINS_TEST_PG</c> set to a connection string (a superuser
/// or a role that may create databases) the tests use that server; otherwise a throwaway server is initialised
/// in a temporary directory from the binaries in <c>CALLGRAINS_PG_BIN</c> or /usr/lib/postgresql/*/bin, and is
/// stopped and deleted at the end. Tests never share data: each one asks for a database of its own.
/// </summary>
public sealed class PostgresServer : IAsyncLifetime
{
    private const string ExternalServerVariable = "CALLGRAINS_TEST_PG";
    private const string BinariesVariable = "CALLGRAINS_PG_BIN";
    // More server settings for a throwaway server, for profiling (the bench's --write-path loads pg_stat_statements).
    private const string ExtraOptionsVariable = "CALLGRAINS_PG_SERVER_OPTIONS";
    // initdb refuses to run as root, so as root the server runs as this OS user.
    private const string ServerUser = "postgres";

    private readonly List<string> _databases = [];
    private string _adminConnectionString = "";
    private string? _root;
    private string _binaries = "";
    private bool _runAsServerUser;
    private int _port;

    /// <summary>The directory of the PostgreSQL programs in use (initdb, pg_ctl, pgbench); empty for an external server.</summary>
    public string Binaries => _binaries;

    /// <summary>True when this fixture started the server itself, so that it can be stopped and started.</summary>
    public bool IsThrowaway => _root is not null;

    private string DataDirectory => Path.Combine(_root!, "data");

    public async Task InitializeAsync()
    {
        var external = Environment.GetEnvironmentVariable(ExternalServerVariable);
        if (!string.IsNullOrWhiteSpace(external))
        {
            _adminConnectionString = external;
            return;
        }

        _binaries = FindBinaries();
        _runAsServerUser = Environment.IsPrivilegedProcess;
        _root = Directory.CreateTempSubdirectory("callgrains-pg-").FullName;
        try
        {
            if (_runAsServerUser)
            {
                await EnsureServerUserAsync();
                await RunAsync("chown", ["-R", ServerUser, _root]);
            }
            // --no-sync only skips initdb's final flush of a directory that is deleted after the run anyway.
            await RunServerToolAsync("initdb", ["-D", DataDirectory, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"]);
            _port = FreePort();
            await StartAsync();
            _adminConnectionString = new NpgsqlConnectionStringBuilder
            {
                Host = "127.0.0.1",
                Port = _port,
                Username = "postgres",
                Database = "postgres",
                Pooling = false,
            }.ConnectionString;
        }
        catch
        {
            await DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Creates an empty database and returns a connection string to it. Its default collation is linguistic
    /// (ICU en-US) where the server supports it, as on most production servers, so that a column that needs
    /// code-point order but lacks COLLATE "C" shows up in the tests.
    /// </summary>
    public async Task<string> CreateDatabaseAsync()
    {
        var name = $"cg_{Guid.NewGuid():N}";
        await using (var connection = new NpgsqlConnection(_adminConnectionString))
        {
            await connection.OpenAsync();
            try
            {
                await using var linguistic = new NpgsqlCommand(
                    $"CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8' LOCALE_PROVIDER icu ICU_LOCALE 'en-US'", connection);
                await linguistic.ExecuteNonQueryAsync();
            }
            catch (PostgresException)
            {
                // A server built without ICU: its default collation will have to do.
                await using var plain = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
                await plain.ExecuteNonQueryAsync();
            }
        }
        lock (_databases) _databases.Add(name);
        return new NpgsqlConnectionStringBuilder(_adminConnectionString)
        {
            Database = name,
            Pooling = true,
            IncludeErrorDetail = true,
        }.ConnectionString;
    }

    /// <summary>
    /// Writes every changed page out now (CHECKPOINT), so that what ran before leaves nothing for the server to write
    /// while whatever runs next is measured.
    /// </summary>
    public async Task CheckpointAsync()
    {
        await using var connection = new NpgsqlConnection(_adminConnectionString);
        await connection.OpenAsync();
        await using var checkpoint = new NpgsqlCommand("CHECKPOINT", connection);
        checkpoint.CommandTimeout = 600;
        await checkpoint.ExecuteNonQueryAsync();
    }

    /// <summary>Creates a database and applies the CallGrains schema to it.</summary>
    public async Task<string> CreateMigratedDatabaseAsync()
    {
        var connectionString = await CreateDatabaseAsync();
        await using var source = NpgsqlDataSource.Create(connectionString);
        await new SchemaMigrator(source).MigrateAsync();
        return connectionString;
    }

    /// <summary>Starts the throwaway server (again), on the same port.</summary>
    public Task StartAsync()
    {
        RequireThrowaway();
        var serverOptions = $"-p {_port} -k {_root} -c listen_addresses=127.0.0.1 -c fsync=on -c max_connections=300";
        if (Environment.GetEnvironmentVariable(ExtraOptionsVariable) is { Length: > 0 } extra) serverOptions += " " + extra;
        return RunServerToolAsync("pg_ctl", ["-D", DataDirectory, "-l", Path.Combine(_root!, "server.log"), "-o", serverOptions, "-w", "-t", "60", "start"]);
    }

    /// <summary>Stops the throwaway server (fast shutdown: sessions are cut, committed data stays).</summary>
    public Task StopAsync()
    {
        RequireThrowaway();
        return RunServerToolAsync("pg_ctl", ["-D", DataDirectory, "-m", "fast", "-w", "-t", "60", "stop"]);
    }

    public async Task DisposeAsync()
    {
        // Pooled connections would keep the databases in use.
        NpgsqlConnection.ClearAllPools();
        if (_root is null)
        {
            await DropDatabasesAsync();
            return;
        }
        try
        {
            if (File.Exists(Path.Combine(DataDirectory, "postmaster.pid")))
                await RunServerToolAsync("pg_ctl", ["-D", DataDirectory, "-m", "immediate", "-w", "-t", "60", "stop"]);
        }
        finally
        {
            Directory.Delete(_root, recursive: true);
            _root = null;
        }
    }

    private async Task DropDatabasesAsync()
    {
        if (_adminConnectionString.Length == 0) return;
        await using var connection = new NpgsqlConnection(_adminConnectionString);
        await connection.OpenAsync();
        foreach (var name in _databases)
        {
            await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS {name} WITH (FORCE)", connection);
            await command.ExecuteNonQueryAsync();
        }
    }

    private void RequireThrowaway()
    {
        if (_root is null)
            throw new InvalidOperationException($"Only a throwaway server can be started and stopped; {ExternalServerVariable} is set.");
    }

    private static string FindBinaries()
    {
        var candidates = new List<string>();
        if (Environment.GetEnvironmentVariable(BinariesVariable) is { Length: > 0 } configured) candidates.Add(configured);
        if (Directory.Exists("/usr/lib/postgresql"))
        {
            // Newest major version first.
            candidates.AddRange(Directory.GetDirectories("/usr/lib/postgresql")
                .OrderByDescending(dir => int.TryParse(Path.GetFileName(dir), out var major) ? major : 0)
                .Select(dir => Path.Combine(dir, "bin")));
        }
        return candidates.FirstOrDefault(dir => File.Exists(Path.Combine(dir, "initdb")) && File.Exists(Path.Combine(dir, "pg_ctl")))
            ?? throw new InvalidOperationException(
                $"No PostgreSQL server binaries found: set {BinariesVariable} to the directory holding initdb and pg_ctl, " +
                $"install the postgresql package, or set {ExternalServerVariable} to a connection string.");
    }

    private async Task EnsureServerUserAsync()
    {
        if (await TryRunAsync("id", ["-u", ServerUser])) return;
        await RunAsync("useradd", ["-r", ServerUser]);
    }

    private Task RunServerToolAsync(string tool, IReadOnlyList<string> arguments)
    {
        var path = Path.Combine(_binaries, tool);
        return _runAsServerUser
            ? RunAsync("runuser", ["-u", ServerUser, "--", path, .. arguments])
            : RunAsync(path, arguments);
    }

    private static async Task RunAsync(string fileName, IReadOnlyList<string> arguments)
    {
        var (exitCode, output) = await ExecuteAsync(fileName, arguments);
        if (exitCode != 0)
            throw new InvalidOperationException($"{fileName} {string.Join(' ', arguments)} exited with {exitCode}:\n{output}");
    }

    private static async Task<bool> TryRunAsync(string fileName, IReadOnlyList<string> arguments) =>
        (await ExecuteAsync(fileName, arguments)).ExitCode == 0;

    private static async Task<(int ExitCode, string Output)> ExecuteAsync(string fileName, IReadOnlyList<string> arguments)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {fileName}.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }

}

[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresServer>
{
    public const string Name = "postgres";
}
