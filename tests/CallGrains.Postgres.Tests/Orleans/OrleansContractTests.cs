using System.Collections.Immutable;
using System.Text;
using System.Text.Json;
using CallGrains.Postgres.Storage;
using CallGrains.Requests;
using CallGrains.Tests.Shared;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Orleans.Core.Internal;
using Orleans.Storage;

namespace CallGrains.Postgres.Tests.Orleans;

/// <summary>
/// The Orleans ADO.NET providers on the schema in db/, end to end on a real server (contract checklist §9).
/// The cluster is shared by the tests of this class; each test uses grain keys of its own.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class OrleansContractTests(PostgresClusterFixture fixture) : IClassFixture<PostgresClusterFixture>
{
    private static readonly DateTimeOffset _t0 = new(2026, 3, 1, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Both_silos_join_the_membership_table_as_active_and_each_write_moves_the_version_by_one()
    {
        await using var source = NpgsqlDataSource.Create(fixture.ConnectionString);
        var clusterId = fixture.Cluster.Options.ClusterId;

        await using var members = source.CreateCommand(
            "SELECT status, proxy_port FROM orleans_membership WHERE deployment_id = $1");
        members.Parameters.Add(new NpgsqlParameter<string> { TypedValue = clusterId });
        var rows = new List<(int Status, int ProxyPort)>();
        await using (var reader = await members.ExecuteReaderAsync())
            while (await reader.ReadAsync()) rows.Add((reader.GetInt32(0), reader.GetInt32(1)));

        Assert.Equal(2, rows.Count);
        Assert.All(rows, row => Assert.Equal(3, row.Status)); // Active
        Assert.All(rows, row => Assert.True(row.ProxyPort > 0));
        // Per silo: one insert (Joining) and one update (Active), +1 each from 0.
        Assert.Equal(4, await ScalarAsync<int>(source,
            "SELECT version FROM orleans_membership_version WHERE deployment_id = $1", clusterId));
        // The client found the silos through the gateway query.
        var hosts = await fixture.Client.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true);
        Assert.Equal(2, hosts.Count);
    }

    [Fact]
    public async Task A_registered_request_reads_back_after_deactivation_and_is_stored_as_plain_json()
    {
        var userData = $"order-{Guid.NewGuid():N}";
        var businessId = $"biz-{Guid.NewGuid():N}";
        var grain = fixture.Client.GetBusinessRequest(userData);
        var registration = new RequestRegistration("taxi", businessId,
            ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, [KeyValuePair.Create("driver", "d-7")]), _t0, _t0);

        Assert.True(await grain.RegisterAsync(registration));
        await DeactivateAsync(grain);
        var read = await grain.GetRegistrationAsync();

        Assert.NotNull(read);
        Assert.Equal((registration.Kind, registration.BusinessId, registration.RegisteredAt, registration.UpdatedAt),
            (read.Kind, read.BusinessId, read.RegisteredAt, read.UpdatedAt));
        Assert.Equal(registration.Attributes, read.Attributes);

        await using var source = NpgsqlDataSource.Create(fixture.ConnectionString);
        var (payload, version) = await StoredStateAsync(source, BusinessRequestGrain.StateName, BusinessRequestKey.For(userData));
        Assert.Equal(1, version);
        var json = Encoding.UTF8.GetString(payload!);
        Assert.DoesNotContain("$type", json, StringComparison.Ordinal);
        using (var document = JsonDocument.Parse(json))
            Assert.Equal(businessId, document.RootElement.GetProperty(nameof(RequestRegistrationState.BusinessId)).GetString());

        // Re-registering keeps the first registration time and moves the stored version on.
        Assert.False(await grain.RegisterAsync(registration with { Kind = "courier", RegisteredAt = _t0.AddHours(1) }));
        Assert.Equal(2, (await StoredStateAsync(source, BusinessRequestGrain.StateName, BusinessRequestKey.For(userData))).Version);
        var listed = Assert.Single(await new PostgresStore(source).ListByBusinessIdAsync(businessId));
        Assert.Equal((userData, "courier", _t0), (listed.UserData, listed.Kind, listed.RegisteredAt));
    }

    [Fact]
    public async Task The_storage_etag_counts_writes_and_clear_keeps_the_row_with_a_null_payload()
    {
        var key = $"k:{Guid.NewGuid():N}";
        var grain = fixture.Client.GetGrain<IKeepingProbeGrain>(key);
        await using var source = NpgsqlDataSource.Create(fixture.ConnectionString);

        Assert.Equal((null, null, false), Of(await grain.GetAsync()));
        await grain.SetAsync("one");
        Assert.Equal("1", (await grain.GetAsync()).ETag);
        await grain.SetAsync("two");
        Assert.Equal(("two", "2", true), Of(await ReactivatedAsync(grain)));

        await grain.ClearAsync();
        Assert.Equal((null, "3", false), Of(await grain.GetAsync()));
        var (payload, version) = await StoredStateAsync(source, KeepingProbeGrain.StateName, key);
        Assert.Null(payload);
        Assert.Equal(3, version);
        Assert.Equal((null, "3", false), Of(await ReactivatedAsync(grain)));

        await grain.SetAsync("three");
        Assert.Equal(("three", "4", true), Of(await ReactivatedAsync(grain)));
    }

    [Fact]
    public async Task Clear_on_a_storage_with_DeleteStateOnClear_removes_the_row_and_the_next_write_starts_again()
    {
        var key = $"k:{Guid.NewGuid():N}";
        var grain = fixture.Client.GetGrain<IDeletingProbeGrain>(key);
        await using var source = NpgsqlDataSource.Create(fixture.ConnectionString);

        await grain.SetAsync("one");
        await grain.SetAsync("two");
        await grain.ClearAsync();

        Assert.Equal((null, null, false), Of(await grain.GetAsync()));
        Assert.Null(await StoredStateOrNullAsync(source, DeletingProbeGrain.StateName, key));
        await grain.SetAsync("again");
        Assert.Equal(("again", "1", true), Of(await ReactivatedAsync(grain)));
    }

    [Fact]
    public async Task The_storage_rejects_stale_etags_with_InconsistentStateException()
    {
        var storage = fixture.FirstSilo.GetRequiredKeyedService<IGrainStorage>(KeepingProbeGrain.StorageName);
        const string stateName = "directProbe";
        var grainId = GrainId.Create("direct-probe", $"k:{Guid.NewGuid():N}");

        var state = new GrainState<ProbeState>(new ProbeState { Value = "one" });
        await storage.WriteStateAsync(stateName, grainId, state);
        Assert.Equal("1", state.ETag);

        var stale = new GrainState<ProbeState>(new ProbeState { Value = "two" });
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync(stateName, grainId, stale));
        stale.ETag = "7";
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync(stateName, grainId, stale));
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.ClearStateAsync(stateName, grainId, stale));

        await storage.ClearStateAsync(stateName, grainId, state);
        Assert.Equal("2", state.ETag);
        var read = new GrainState<ProbeState>(new ProbeState());
        await storage.ReadStateAsync(stateName, grainId, read);
        Assert.Equal(("2", false), (read.ETag, read.RecordExists));
    }

    [Fact]
    public async Task Reminder_etags_move_on_every_registration_and_ring_ranges_select_by_signed_hash()
    {
        var table = fixture.FirstSilo.GetRequiredService<IReminderTable>();
        var grains = Enumerable.Range(0, 6).Select(_ => GrainId.Create("range-probe", $"k:{Guid.NewGuid():N}")).ToList();
        // Far in the future, so that no silo tries to deliver them while the test runs.
        var startAt = DateTime.UtcNow.AddDays(1);
        var longPeriod = TimeSpan.FromDays(30); // above int32 milliseconds: sent as bigint
        foreach (var grain in grains)
            Assert.Equal("0", await table.UpsertRow(new ReminderEntry { GrainId = grain, ReminderName = "r", StartAt = startAt, Period = longPeriod }));

        var target = grains[0];
        Assert.Equal("1", await table.UpsertRow(new ReminderEntry { GrainId = target, ReminderName = "r", StartAt = startAt, Period = longPeriod }));
        var row = await table.ReadRow(target, "r");
        Assert.NotNull(row);
        Assert.Equal((longPeriod, "1"), (row.Period, row.ETag));
        Assert.Equal(startAt, row.StartAt, TimeSpan.FromMilliseconds(1));

        var hash = target.GetUniformHashCode();
        var inside = (await table.ReadRows(unchecked(hash - 1), hash)).Reminders.Select(r => r.GrainId).Where(grains.Contains);
        var outside = (await table.ReadRows(hash, unchecked(hash - 1))).Reminders.Select(r => r.GrainId).Where(grains.Contains);
        Assert.Equal([target], inside);
        Assert.Equal(grains.Skip(1).Select(g => g.ToString()).Order(), outside.Select(g => g.ToString()).Order());

        Assert.False(await table.RemoveRow(target, "r", "0"));
        Assert.True(await table.RemoveRow(target, "r", "1"));
        foreach (var grain in grains.Skip(1)) Assert.True(await table.RemoveRow(grain, "r", "0"));
    }

    [Fact]
    public async Task A_reminder_with_a_one_minute_period_fires_and_fires_again()
    {
        var grain = fixture.Client.GetGrain<IReminderProbeGrain>($"k:{Guid.NewGuid():N}");
        await grain.StartAsync(dueTime: TimeSpan.FromSeconds(2), period: TimeSpan.FromMinutes(1));
        try
        {
            await using var source = NpgsqlDataSource.Create(fixture.ConnectionString);
            Assert.Equal(60_000L, await ScalarAsync<long>(source,
                "SELECT period FROM orleans_reminders WHERE reminder_name = $1 AND grain_id LIKE '%' || $2",
                ReminderProbeGrain.ReminderName, grain.GetPrimaryKeyString()));

            await Polling.UntilAsync(async () => await grain.GetTicksAsync() >= 1, TimeSpan.FromSeconds(30), "the first tick", TimeSpan.FromMilliseconds(500));
            await Polling.UntilAsync(async () => await grain.GetTicksAsync() >= 2, TimeSpan.FromSeconds(100), "the second tick", TimeSpan.FromMilliseconds(500));
        }
        finally
        {
            await grain.StopAsync();
        }
    }

    private static (string? Value, string? ETag, bool RecordExists) Of(ProbeSnapshot snapshot) =>
        (snapshot.Value, snapshot.ETag, snapshot.RecordExists);

    /// <summary>Deactivates the probe and reads it from a new activation, which has to load its state from storage.</summary>
    private static async Task<ProbeSnapshot> ReactivatedAsync(IProbe grain)
    {
        var before = await grain.GetAsync();
        await DeactivateAsync(grain);
        for (var attempt = 0; attempt < 50; attempt++)
        {
            var after = await grain.GetAsync();
            if (after.Activation != before.Activation) return after;
            await Task.Delay(100);
        }
        throw new Xunit.Sdk.XunitException("The probe was not reactivated.");
    }

    private static async Task DeactivateAsync(IAddressable grain) => await grain.Cast<IGrainManagementExtension>().DeactivateOnIdle();

    private static async Task<(byte[]? Payload, int Version)> StoredStateAsync(NpgsqlDataSource source, string stateName, string key) =>
        await StoredStateOrNullAsync(source, stateName, key) ?? throw new Xunit.Sdk.XunitException($"No stored {stateName} for {key}.");

    /// <summary>The row of a string-keyed grain: Orleans stores the whole key as the id extension.</summary>
    private static async Task<(byte[]? Payload, int Version)?> StoredStateOrNullAsync(NpgsqlDataSource source, string stateName, string key)
    {
        await using var command = source.CreateCommand("""
            SELECT payload, version FROM orleans_grain_state
            WHERE grain_type = $1 AND grain_id_n0 = 0 AND grain_id_n1 = 0 AND grain_id_extension = $2
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = stateName });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = key });
        await using var reader = await command.ExecuteReaderAsync();
        if (!await reader.ReadAsync()) return null;
        var result = (reader.IsDBNull(0) ? null : reader.GetFieldValue<byte[]>(0), reader.GetInt32(1));
        Assert.False(await reader.ReadAsync());
        return result;
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlDataSource source, string sql, params string[] parameters)
    {
        await using var command = source.CreateCommand(sql);
        foreach (var value in parameters) command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = value });
        return (T)(await command.ExecuteScalarAsync() ?? throw new Xunit.Sdk.XunitException($"No value from: {sql}"));
    }
}
