using System.Text;
using CallGrains.Postgres.Schema;
using CallGrains.Tests.Shared;
using Npgsql;

namespace CallGrains.Postgres.Tests;

[Collection(PostgresCollection.Name)]
public sealed class SchemaMigratorTests(PostgresServer server)
{
    [Fact]
    public async Task Migrating_twice_applies_every_step_once_and_the_second_run_changes_nothing()
    {
        await using var source = NpgsqlDataSource.Create(await server.CreateDatabaseAsync());

        var first = await new SchemaMigrator(source).MigrateAsync();
        var before = await SnapshotAsync(source);
        var second = await new SchemaMigrator(source).MigrateAsync();
        var after = await SnapshotAsync(source);

        Assert.Equal(SchemaMigrator.Steps.Select(s => s.Version), first.Applied.Select(s => s.Version));
        Assert.Empty(first.AlreadyApplied);
        Assert.Empty(second.Applied);
        Assert.Equal(SchemaMigrator.Steps.Select(s => s.Version), second.AlreadyApplied.Select(s => s.Version));
        Assert.Empty(second.Changed);
        Assert.Equal(before, after);
    }

    [Fact]
    public async Task Migrators_running_at_the_same_time_apply_each_step_exactly_once()
    {
        var connectionString = await server.CreateDatabaseAsync();
        // Separate data sources, as separate silos or init containers would have.
        var sources = Enumerable.Range(0, 3).Select(_ => NpgsqlDataSource.Create(connectionString)).ToList();
        try
        {
            var results = await Task.WhenAll(sources.Select(source => Task.Run(() => new SchemaMigrator(source).MigrateAsync())));

            var applied = results.SelectMany(r => r.Applied).Select(s => s.Version).Order().ToList();
            Assert.Equal(SchemaMigrator.Steps.Select(s => s.Version), applied);
            await using var count = sources[0].CreateCommand("SELECT count(*) FROM callgrains_schema_version");
            Assert.Equal((long)SchemaMigrator.Steps.Count, await count.ExecuteScalarAsync());
        }
        finally
        {
            foreach (var source in sources) await source.DisposeAsync();
        }
    }

    // Steps 007 and 008 set storage parameters on callgrains_calls and callgrains_changes, which PostgreSQL refuses on the
    // partitioned tables 014 makes of them (014 sets them on each partition instead): the steps before 014 can run again
    // on a database they migrated, the later ones on a migrated database.
    private const int Partitioning = 14;

    [Fact]
    public async Task Every_step_from_the_partitioning_on_can_run_again_on_a_migrated_database_without_changing_it()
    {
        await using var source = NpgsqlDataSource.Create(await server.CreateMigratedDatabaseAsync());
        var before = await SnapshotAsync(source);

        foreach (var step in SchemaMigrator.Steps.Where(s => s.Version >= Partitioning))
        {
            await using var command = source.CreateCommand(step.Sql);
            await command.ExecuteNonQueryAsync();
        }

        Assert.Equal(before, await SnapshotAsync(source));
    }

    [Fact]
    public async Task Every_step_before_the_partitioning_can_run_again_on_a_database_it_migrated_without_changing_it()
    {
        await using var source = NpgsqlDataSource.Create(await server.CreateDatabaseAsync());
        // The migrator's own table, which the snapshot reads; empty here.
        await using (var versions = source.CreateCommand(
            "CREATE TABLE callgrains_schema_version (version integer PRIMARY KEY, name text, checksum text, applied_at timestamptz)"))
            await versions.ExecuteNonQueryAsync();
        var earlier = SchemaMigrator.Steps.Where(s => s.Version < Partitioning).ToList();
        foreach (var step in earlier)
        {
            await using var command = source.CreateCommand(step.Sql);
            await command.ExecuteNonQueryAsync();
        }
        var before = await SnapshotAsync(source);

        foreach (var step in earlier)
        {
            await using var command = source.CreateCommand(step.Sql);
            await command.ExecuteNonQueryAsync();
        }

        Assert.Equal(before, await SnapshotAsync(source));
    }

    [Fact]
    public async Task The_query_registry_holds_every_key_the_Orleans_providers_require()
    {
        string[] clustering =
        [
            "GatewaysQueryKey", "MembershipReadRowKey", "MembershipReadAllKey", "InsertMembershipVersionKey",
            "UpdateIAmAlivetimeKey", "InsertMembershipKey", "UpdateMembershipKey", "DeleteMembershipTableEntriesKey",
            "CleanupDefunctSiloEntriesKey", "CleanupDefunctSiloEntryKey",
        ];
        string[] persistence = ["ReadFromStorageKey", "WriteToStorageKey", "ClearStorageKey", "DeleteStorageKey"];
        string[] reminders =
        [
            "ReadReminderRowsKey", "ReadRangeRows1Key", "ReadRangeRows2Key", "ReadReminderRowKey",
            "UpsertReminderRowKey", "DeleteReminderRowKey", "DeleteReminderRowsKey",
        ];
        await using var source = NpgsqlDataSource.Create(await server.CreateMigratedDatabaseAsync());

        // Unquoted on purpose: this is how Orleans reads the registry.
        await using var command = source.CreateCommand("SELECT QueryKey FROM OrleansQuery");
        await using var reader = await command.ExecuteReaderAsync();
        var keys = new List<string>();
        while (await reader.ReadAsync()) keys.Add(reader.GetString(0));

        Assert.Equal(clustering.Concat(persistence).Concat(reminders).Order(StringComparer.Ordinal), keys.Order(StringComparer.Ordinal));
    }

    /// <summary>Everything a step could change: columns, indexes, constraints, registry rows and the version records.</summary>
    private static async Task<string> SnapshotAsync(NpgsqlDataSource source)
    {
        string[] queries =
        [
            """
            SELECT table_name, column_name, data_type, is_nullable, coalesce(column_default, ''), coalesce(collation_name, '')
            FROM information_schema.columns WHERE table_schema = 'public' ORDER BY 1, 2
            """,
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1",
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE connamespace = 'public'::regnamespace ORDER BY 1",
            "SELECT querykey, md5(querytext) FROM orleansquery ORDER BY 1",
            "SELECT version, name, checksum, applied_at FROM callgrains_schema_version ORDER BY 1",
        ];
        var snapshot = new StringBuilder();
        foreach (var query in queries)
        {
            await using var command = source.CreateCommand(query);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                for (var i = 0; i < reader.FieldCount; i++) snapshot.Append(reader.GetValue(i)).Append('|');
                snapshot.AppendLine();
            }
        }
        return snapshot.ToString();
    }
}
