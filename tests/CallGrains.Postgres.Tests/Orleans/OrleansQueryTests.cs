using CallGrains.Tests.Shared;
using Npgsql;
using NpgsqlTypes;

namespace CallGrains.Postgres.Tests.Orleans;

/// <summary>
/// The stored query texts run directly, with the parameter names and types Orleans sends (contract §2 to §5), to
/// check what a live cluster rarely shows: stale versions, races between silos, and the cleanup paths.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class OrleansQueryTests(PostgresServer server)
{
    private static readonly DateTime _started = new(2026, 3, 1, 8, 0, 0, DateTimeKind.Utc);

    [Fact]
    public async Task Membership_writes_move_the_version_by_exactly_one_and_stale_versions_change_nothing()
    {
        await using var source = NpgsqlDataSource.Create(await server.CreateMigratedDatabaseAsync());
        var id = $"dep-{Guid.NewGuid():N}";
        NpgsqlParameter Deployment() => P("DeploymentId", id);

        Assert.Equal(true, Single(await RunAsync(source, "InsertMembershipVersionKey", Deployment())));
        Assert.Equal(false, Single(await RunAsync(source, "InsertMembershipVersionKey", Deployment())));
        var empty = Assert.Single(await RunAsync(source, "MembershipReadAllKey", Deployment()));
        Assert.Equal(0, empty["Version"]);
        Assert.Null(empty["StartTime"]);

        Assert.Equal(true, Single(await RunAsync(source, "InsertMembershipKey", [Deployment(), .. Insert(Silo(1), version: 0)])));
        Assert.Equal(false, Single(await RunAsync(source, "InsertMembershipKey", [Deployment(), .. Insert(Silo(1), version: 1)])));
        Assert.Equal(false, Single(await RunAsync(source, "InsertMembershipKey", [Deployment(), .. Insert(Silo(2), version: 0)])));
        Assert.Equal(1, await VersionAsync(source, id));

        Assert.Equal(true, Single(await RunAsync(source, "UpdateMembershipKey", [Deployment(), .. Update(Silo(1), status: 3, version: 1)])));
        Assert.Equal(false, Single(await RunAsync(source, "UpdateMembershipKey", [Deployment(), .. Update(Silo(2), status: 3, version: 2)])));
        // The heartbeat touches its row only, never the version.
        await RunAsync(source, "UpdateIAmAlivetimeKey", [Deployment(), .. Silo(1), P("IAmAliveTime", _started.AddMinutes(5))]);
        Assert.Equal(_started.AddMinutes(5), Assert.Single(await RunAsync(source, "MembershipReadAllKey", Deployment()))["IAmAliveTime"]);
        Assert.Equal(2, await VersionAsync(source, id));

        // Silos voting at once with the same version: exactly one wins.
        var votes = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => Task.Run(() =>
            RunAsync(source, "UpdateMembershipKey", [Deployment(), .. Update(Silo(1), status: 3, version: 2, suspectTimes: $"voter-{i}")]))));
        Assert.Equal(1, votes.Count(rows => Equals(Single(rows), true)));
        Assert.Equal(3, await VersionAsync(source, id));

        var member = Assert.Single(await RunAsync(source, "MembershipReadAllKey", Deployment()));
        Assert.Equal(new object?[] { 3, 3 }, new[] { member["Version"], member["Status"] });
        var gateway = Assert.Single(await RunAsync(source, "GatewaysQueryKey", Deployment(), P("Status", 3)));
        Assert.Equal(new object?[] { "127.0.0.1", 31001, 1 }, new[] { gateway["Address"], gateway["ProxyPort"], gateway["Generation"] });
        var one = Assert.Single(await RunAsync(source, "MembershipReadRowKey", [Deployment(), .. Silo(1)]));
        Assert.Equal(3, one["Status"]);
        var none = Assert.Single(await RunAsync(source, "MembershipReadRowKey", [Deployment(), .. Silo(9)]));
        Assert.Equal(3, none["Version"]);
        Assert.Null(none["StartTime"]);
    }

    [Fact]
    public async Task Cleanup_removes_only_old_rows_that_are_not_active_and_never_touches_the_version()
    {
        await using var source = NpgsqlDataSource.Create(await server.CreateMigratedDatabaseAsync());
        var id = $"dep-{Guid.NewGuid():N}";
        NpgsqlParameter Deployment() => P("DeploymentId", id);
        await RunAsync(source, "InsertMembershipVersionKey", Deployment());
        for (var silo = 1; silo <= 3; silo++)
            await RunAsync(source, "InsertMembershipKey", [Deployment(), .. Insert(Silo(silo), version: silo - 1)]);
        await RunAsync(source, "UpdateMembershipKey", [Deployment(), .. Update(Silo(1), status: 3, version: 3)]);
        await RunAsync(source, "UpdateMembershipKey", [Deployment(), .. Update(Silo(2), status: 6, version: 4, suspectTimes: "127.0.0.1:11001@1,2026-03-01 08:00:00.000 GMT")]);
        await RunAsync(source, "UpdateMembershipKey", [Deployment(), .. Update(Silo(3), status: 6, version: 5)]);

        // Per-row cleanup deletes a dead row only while it still holds what was read.
        await RunAsync(source, "CleanupDefunctSiloEntryKey", [Deployment(), .. Captured(Silo(2), suspectTimes: "something else")]);
        Assert.Equal(3, (await RunAsync(source, "MembershipReadAllKey", Deployment())).Count);
        await RunAsync(source, "CleanupDefunctSiloEntryKey", [Deployment(), .. Captured(Silo(2), suspectTimes: "127.0.0.1:11001@1,2026-03-01 08:00:00.000 GMT")]);
        await RunAsync(source, "CleanupDefunctSiloEntryKey", [Deployment(), .. Captured(Silo(3), suspectTimes: null)]);
        Assert.Equal(new object?[] { 11001 }, (await RunAsync(source, "MembershipReadAllKey", Deployment())).Select(r => r["Port"]));

        // Bulk cleanup spares Active rows, however old.
        await RunAsync(source, "InsertMembershipKey", [Deployment(), .. Insert(Silo(4), version: 6)]);
        await RunAsync(source, "CleanupDefunctSiloEntriesKey", Deployment(), P("IAmAliveTime", _started.AddHours(1)));
        Assert.Equal(new object?[] { 11001 }, (await RunAsync(source, "MembershipReadAllKey", Deployment())).Select(r => r["Port"]));
        Assert.Equal(7, await VersionAsync(source, id));

        await RunAsync(source, "DeleteMembershipTableEntriesKey", Deployment());
        Assert.Empty(await RunAsync(source, "MembershipReadAllKey", Deployment()));
    }

    [Fact]
    public async Task Concurrent_first_writes_of_one_grain_leave_exactly_one_row()
    {
        await using var source = NpgsqlDataSource.Create(await server.CreateMigratedDatabaseAsync());
        NpgsqlParameter[] Key(string? extension) =>
        [
            P("ServiceId", "svc"), P("GrainTypeString", "probe"), P("GrainTypeHash", 11), P("GrainIdHash", 22),
            P("GrainIdN0", 0L), P("GrainIdN1", 0L), P("GrainIdExtensionString", extension, NpgsqlDbType.Text),
        ];
        NpgsqlParameter[] Write(string? extension, int? version) =>
            [.. Key(extension), P("GrainStateVersion", version, NpgsqlDbType.Integer), P("PayloadBinary", "{}"u8.ToArray())];

        var results = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => Task.Run(() => RunAsync(source, "WriteToStorageKey", Write("k:1", null)))));

        Assert.Equal(1, results.Count(rows => rows.Count == 1 && Equals(rows[0]["NewGrainStateVersion"], 1)));
        Assert.Equal(9, results.Count(rows => rows.Count == 0));
        // NULL and '' are different keys, and a NULL extension is one key, not many.
        Assert.Single(await RunAsync(source, "WriteToStorageKey", Write(null, null)));
        Assert.Empty(await RunAsync(source, "WriteToStorageKey", Write(null, null)));
        Assert.Single(await RunAsync(source, "WriteToStorageKey", Write("", null)));
        var read = Assert.Single(await RunAsync(source, "ReadFromStorageKey", Key(null)));
        Assert.Equal(1, read["Version"]);
        await using var count = source.CreateCommand("SELECT count(*) FROM orleans_grain_state");
        Assert.Equal(3L, await count.ExecuteScalarAsync());
    }

    private static NpgsqlParameter[] Silo(int n) => [P("Address", "127.0.0.1"), P("Port", 11000 + n), P("Generation", n)];

    private static NpgsqlParameter[] Insert(NpgsqlParameter[] silo, int version) =>
    [
        .. silo, P("SiloName", $"silo-{silo[1].Value}"), P("HostName", "test-host"), P("Status", 2),
        P("ProxyPort", 20000 + (int)silo[1].Value!), P("StartTime", _started), P("IAmAliveTime", _started), P("Version", version),
    ];

    private static NpgsqlParameter[] Update(NpgsqlParameter[] silo, int status, int version, string? suspectTimes = null) =>
    [
        .. silo, P("Status", status), P("SuspectTimes", suspectTimes, NpgsqlDbType.Text), P("IAmAliveTime", _started),
        P("Version", version),
    ];

    private static NpgsqlParameter[] Captured(NpgsqlParameter[] silo, string? suspectTimes) =>
        [.. silo, P("SuspectTimes", suspectTimes, NpgsqlDbType.Text), P("StartTime", _started), P("IAmAliveTime", _started)];

    private static NpgsqlParameter P(string name, object value) => new(name, value);

    /// <summary>A parameter that may be NULL, typed as Orleans types it.</summary>
    private static NpgsqlParameter P(string name, object? value, NpgsqlDbType type) =>
        new(name, type) { Value = value ?? DBNull.Value };

    private static object? Single(IReadOnlyList<Dictionary<string, object?>> rows) => Assert.Single(Assert.Single(rows).Values);

    private static async Task<int> VersionAsync(NpgsqlDataSource source, string deployment)
    {
        await using var command = source.CreateCommand("SELECT version FROM orleans_membership_version WHERE deployment_id = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = deployment });
        return (int)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>Runs a registry query the way the providers do: named parameters, every result set read by column name.</summary>
    private static async Task<IReadOnlyList<Dictionary<string, object?>>> RunAsync(NpgsqlDataSource source, string key, params NpgsqlParameter[] parameters)
    {
        await using var connection = await source.OpenConnectionAsync();
        string text;
        await using (var lookup = new NpgsqlCommand("SELECT querytext FROM orleansquery WHERE querykey = $1", connection))
        {
            lookup.Parameters.Add(new NpgsqlParameter { Value = key });
            text = (string)(await lookup.ExecuteScalarAsync() ?? throw new Xunit.Sdk.XunitException($"No query {key}."));
        }
        await using var command = new NpgsqlCommand(text, connection);
        command.Parameters.AddRange(parameters);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<Dictionary<string, object?>>();
        do
        {
            while (await reader.ReadAsync())
            {
                var row = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);
                for (var i = 0; i < reader.FieldCount; i++)
                    row[reader.GetName(i)] = reader.IsDBNull(i) ? null : reader.GetValue(i);
                rows.Add(row);
            }
        } while (await reader.NextResultAsync());
        return rows;
    }
}
