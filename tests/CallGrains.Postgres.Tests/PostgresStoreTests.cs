using CallGrains.Domain.Calls;
using CallGrains.Domain.Changes;
using CallGrains.Domain.Pushes;
using CallGrains.Postgres.Storage;
using CallGrains.Storage;
using CallGrains.Telemetry;
using CallGrains.Storage.InMemory;
using CallGrains.Tests.Shared;
using Npgsql;
using static CallGrains.Tests.Shared.StoredCalls;

namespace CallGrains.Postgres.Tests;

[Collection(PostgresCollection.Name)]
public sealed class PostgresStoreTests(PostgresServer server)
{
    [Fact]
    public async Task Appended_items_are_read_back_in_arrival_order_byte_for_byte_with_their_flags()
    {
        await using var db = await StoreDatabase.CreateAsync(server);
        string[] bodies =
        [
            "{ \"eventType\" : \"callout\",\n  \"note\": \"tab\\there, ü, \\u00e9, 😀\" }",
            "{\"b\":1,\"a\":2}",
            "  {\"spaces\": true}  ",
        ];
        // Keys deliberately out of alphabetical order: arrival order, not key order, must come back.
        var entries = new[] { "k-c", "k-a", "k-b" }
            .Select((key, i) => new JournalEntry(
                new PushItem("s-1", "callout", bodies[i], T0.AddSeconds(i).ToOffset(TimeSpan.FromHours(8)),
                    Flag: i == 2 ? "unauthenticated push: X-AKSK digest does not match" : null),
                key, ChangedView: i != 1))
            .ToList();

        foreach (var entry in entries) await db.Store.AppendAsync(entry, Row("s-1", version: 1, T0));
        await db.Store.AppendAsync(Entry("s-2", "k-a"), Row("s-2", version: 1, T0));

        var read = await db.Store.ReadSessionAsync("s-1");
        Assert.Equal(entries, read);
        Assert.Equal(bodies, read.Select(e => e.Item.Body));
        Assert.Empty(await db.Store.ReadSessionAsync("s-unknown"));
    }

    [Fact]
    public async Task A_view_goes_into_the_row_and_the_change_and_comes_back_byte_for_byte_whatever_its_characters()
    {
        await using var db = await StoreDatabase.CreateAsync(server);
        var start = await db.Store.LastSeqAsync();
        // A view as an older build or an operator's tool may have stored it: raw multi-byte characters, not escapes.
        var view = ViewJson.FromText("""{"sessionId":"s-u","userData":"订单 ü 😀","note":"tab\there","version":1}""");

        await db.Store.AppendAsync(new CallAppend(Entry("s-u", "k-1"), Row("s-u", 1) with { ViewJson = view }, ChangeTypes.Updated));

        Assert.Equal(view, Assert.Single((await db.Store.ListAsync(new CallQuery())).Items, r => r.SessionId == "s-u").ViewJson);
        Assert.Equal(view, Assert.Single(await db.Store.ReadAsync(new ChangeQuery(After: start))).ViewJson);
        // And PostgreSQL reads it as the same text.
        await using var read = db.Source.CreateCommand("SELECT view_json::json ->> 'userData' FROM callgrains_calls WHERE session_id = 's-u'");
        Assert.Equal("订单 ü 😀", await read.ExecuteScalarAsync());
    }

    [Fact]
    public async Task Appending_an_item_key_the_session_already_holds_journals_nothing()
    {
        await using var db = await StoreDatabase.CreateAsync(server);

        await db.Store.AppendAsync(Entry("s-1", "k-1", body: "first"), Row("s-1", version: 1, T0));
        await db.Store.AppendAsync(Entry("s-1", "k-1", body: "second"), Row("s-1", version: 1, T0));
        await db.Store.AppendAsync(Entry("s-2", "k-1", body: "other session"), Row("s-2", version: 1, T0));

        var entry = Assert.Single(await db.Store.ReadSessionAsync("s-1"));
        Assert.Equal("first", entry.Item.Body);
        Assert.Equal("other session", Assert.Single(await db.Store.ReadSessionAsync("s-2")).Item.Body);
    }

    [Fact]
    public async Task An_older_call_version_never_overwrites_a_newer_one()
    {
        await using var db = await StoreDatabase.CreateAsync(server);

        await db.Store.AppendAsync(Entry("s-1", "k-1"), Row("s-1", version: 3, T0, status: CallStatus.Answered));
        await db.Store.AppendAsync(Entry("s-1", "k-2"), Row("s-1", version: 2, T0, status: CallStatus.Ringing));
        Assert.Equal(Row("s-1", version: 3, T0, status: CallStatus.Answered), await SingleCallAsync(db.Store));

        // An equal version replaces, as in the in-memory store.
        var same = Row("s-1", version: 3, T0, status: CallStatus.Ended, outcome: CallOutcome.NoAnswer, final: true);
        await db.Store.AppendAsync(Entry("s-1", "k-3"), same);
        Assert.Equal(same, await SingleCallAsync(db.Store));

        var newer = Row("s-1", version: 4, T0, userData: "order-1", status: CallStatus.Ended, outcome: CallOutcome.CallerAbandoned, final: true);
        await db.Store.AppendAsync(Entry("s-1", "k-4"), newer);
        Assert.Equal(newer, await SingleCallAsync(db.Store));
    }

    [Fact]
    public async Task Every_filter_and_page_matches_the_in_memory_store()
    {
        await using var db = await StoreDatabase.CreateAsync(server);
        var memory = await BothHoldMixedCallsAsync(db);

        foreach (var query in FilterQueries())
        {
            foreach (var limit in new[] { 1, 3, 7, CallQuery.DefaultLimit })
            {
                var expected = await AllPagesAsync(memory, query with { Limit = limit });
                var actual = await AllPagesAsync(db.Store, query with { Limit = limit });
                Assert.Equal(expected.Count, actual.Count);
                for (var i = 0; i < expected.Count; i++)
                {
                    Assert.Equal(expected[i].Items, actual[i].Items);
                    Assert.Equal(expected[i].Next, actual[i].Next);
                }
            }
        }
    }

    /// <summary>Writes <see cref="MixedCalls"/> to <paramref name="db"/> and to an in-memory store, which it returns.</summary>
    private static async Task<InMemoryStore> BothHoldMixedCallsAsync(StoreDatabase db)
    {
        var memory = new InMemoryStore();
        foreach (var row in MixedCalls())
        {
            await db.Store.AppendAsync(Entry(row.SessionId, "k"), row);
            await memory.AppendAsync(Entry(row.SessionId, "k"), row);
        }
        return memory;
    }

    /// <summary>Every filter of the list endpoint, alone and combined, over <see cref="MixedCalls"/>.</summary>
    private static CallQuery[] FilterQueries() =>
    [
        new(),
        new(UserData: "order-1"),
        new(UserData: "order-none"),
        new(Status: CallStatus.Ended),
        new(Status: CallStatus.Ringing),
        new(Outcome: CallOutcome.NoAnswer),
        new(Outcome: CallOutcome.InvalidNumber),
        new(Since: T0.AddMinutes(5)),
        new(Until: T0.AddMinutes(10)),
        new(Since: T0.AddMinutes(3), Until: T0.AddMinutes(12)),
        new(UserData: "order-2", Status: CallStatus.Ended, Outcome: CallOutcome.Answered),
        new(Since: T0.AddMinutes(4).ToOffset(TimeSpan.FromHours(-5)), Outcome: CallOutcome.Busy),
        new(Unverified: true),
        new(Unverified: false, Status: CallStatus.Ended),
        // The SQL states the stuck-call rule again; the in-memory filter asks StuckCallPolicy itself.
        .. StuckQueries(),
    ];

    [Fact]
    public async Task Counting_selects_what_listing_selects_and_stops_at_the_cap()
    {
        await using var db = await StoreDatabase.CreateAsync(server);
        var memory = await BothHoldMixedCallsAsync(db);

        foreach (var query in FilterQueries())
        {
            var listed = (await AllPagesAsync(memory, query with { Limit = CallQuery.MaxLimit })).Sum(page => page.Items.Count);
            foreach (var cap in new[] { 1, 2, 1000 })
            {
                Assert.Equal(Math.Min(listed, cap), await memory.CountAsync(query, cap));
                Assert.Equal(Math.Min(listed, cap), await db.Store.CountAsync(query, cap));
            }
        }
    }

    private static IEnumerable<CallQuery> StuckQueries()
    {
        var policy = new StuckCallPolicy(CdrOverdueAfter: TimeSpan.FromMinutes(2), StaleAfter: TimeSpan.FromMinutes(3));
        foreach (var minutes in new[] { 0, 4, 7, 12, 30 })
        foreach (var kind in Enum.GetValues<StuckKind>())
            yield return new CallQuery(Stuck: new StuckFilter(kind, policy, T0.AddMinutes(minutes)));
    }

    [Fact]
    public async Task Cursor_paging_walks_every_call_newest_first_without_gaps_or_repeats()
    {
        await using var db = await StoreDatabase.CreateAsync(server);
        // Ids that sort differently under a linguistic collation than by code point, several sharing one time.
        string[] ids = ["a", "B", "_x", "é", "Z", "b", "10", "9", "aa", "A"];
        var rows = ids.Select((id, i) => Row(id, version: 1, T0.AddSeconds(i < 5 ? 0 : i))).ToList();
        foreach (var row in rows) await db.Store.AppendAsync(Entry(row.SessionId, "k"), row);

        var seen = new List<string>();
        var pages = 0;
        string? token = null;
        do
        {
            // Through the cursor's text form, as the API hands it out.
            Assert.True(CallCursor.TryDecode(token, out var cursor));
            var page = await db.Store.ListAsync(new CallQuery(Limit: 3, Cursor: cursor));
            seen.AddRange(page.Items.Select(r => r.SessionId));
            token = page.Next?.Encode();
            pages++;
        } while (token is not null);

        var expected = rows
            .OrderByDescending(r => r.FirstReceivedAt)
            .ThenByDescending(r => r.SessionId, StringComparer.Ordinal)
            .Select(r => r.SessionId);
        Assert.Equal(expected, seen);
        Assert.Equal(4, pages);
    }

    [Fact]
    public async Task Requests_are_listed_by_business_id_oldest_registration_first()
    {
        await using var db = await StoreDatabase.CreateAsync(server);
        var first = Request("order-1", "biz-1", T0.AddMinutes(2), ("driver", "d-7"));
        var second = Request("order-2", "biz-1", T0.AddMinutes(1));
        var other = Request("order-3", "biz-2", T0);
        foreach (var request in new[] { first, second, other }) await db.Store.UpsertAsync(request);
        var updated = first with
        {
            Attributes = new Dictionary<string, string> { ["driver"] = "d-8", ["note"] = "\"quoted\" ü" },
            UpdatedAt = T0.AddMinutes(9),
        };
        await db.Store.UpsertAsync(updated);

        var listed = await db.Store.ListByBusinessIdAsync("biz-1");

        Assert.Equal(["order-2", "order-1"], listed.Select(r => r.UserData));
        var read = listed[1];
        Assert.Equal((updated.Kind, updated.BusinessId, updated.RegisteredAt, updated.UpdatedAt),
            (read.Kind, read.BusinessId, read.RegisteredAt, read.UpdatedAt));
        Assert.Equal(updated.Attributes.OrderBy(a => a.Key), read.Attributes.OrderBy(a => a.Key));
        Assert.Equal("order-3", Assert.Single(await db.Store.ListByBusinessIdAsync("biz-2")).UserData);
        Assert.Empty(await db.Store.ListByBusinessIdAsync("biz-none"));
    }

    [Fact]
    public async Task An_append_whose_call_row_is_rejected_leaves_no_journal_entry()
    {
        await using var db = await StoreDatabase.CreateAsync(server);

        // The calls table refuses a negative version, in the same batch as the journal insert and the change.
        await Assert.ThrowsAsync<StoreUnavailableException>(() =>
            db.Store.AppendAsync(Entry("s-1", "k-1"), Row("s-1", version: -1, T0)));
        await Assert.ThrowsAsync<StoreUnavailableException>(() => db.Store.AppendManyAsync(
        [
            Append(Entry("s-2", "k-1"), Row("s-2", version: 1, T0)),
            Append(Entry("s-3", "k-1"), Row("s-3", version: -1, T0)),
        ]));

        Assert.Empty(await db.Store.ReadSessionAsync("s-1"));
        Assert.Empty(await db.Store.ReadSessionAsync("s-2"));
        Assert.Empty((await db.Store.ListAsync(new CallQuery())).Items);
        Assert.Empty(await db.Store.ReadAsync(new ChangeQuery()));
    }

    [Fact]
    public async Task Appends_committed_together_have_the_effect_of_appending_them_one_by_one()
    {
        await using var db = await StoreDatabase.CreateAsync(server);
        var memory = new InMemoryStore();
        CallAppend[] appends =
        [
            Append(Entry("s-1", "k-1", body: "one"), Row("s-1", version: 1, T0)),
            Append(Entry("s-2", "k-1"), Row("s-2", version: 5, T0.AddSeconds(1))),
            Append(Entry("s-1", "k-2"), Row("s-1", version: 2, T0, status: CallStatus.Ringing)),
            Append(Entry("s-1", "k-1", body: "repeat"), Row("s-1", version: 2, T0, status: CallStatus.Answered)),
            Append(Entry("s-2", "k-2"), Row("s-2", version: 4, T0.AddSeconds(1), status: CallStatus.Ended, final: true)),
        ];

        await db.Store.AppendManyAsync(appends);
        foreach (var append in appends) await memory.AppendAsync(append);

        foreach (var session in new[] { "s-1", "s-2" })
            Assert.Equal(await memory.ReadSessionAsync(session), await db.Store.ReadSessionAsync(session));
        Assert.Equal((await memory.ListAsync(new CallQuery())).Items, (await db.Store.ListAsync(new CallQuery())).Items);
        // A re-sent key makes no change; the others make one each, in list order. The numbers differ (the memory store
        // counts, PostgreSQL numbers by transaction: db/018); their order does not.
        var changes = await db.Store.ReadAsync(new ChangeQuery());
        Assert.Equal((await memory.ReadAsync(new ChangeQuery())).Select(c => c with { Seq = 0 }), changes.Select(c => c with { Seq = 0 }));
        Assert.Equal(changes.Select(c => c.Seq).Order(), changes.Select(c => c.Seq));
        Assert.Equal([ChangeTypes.Updated, ChangeTypes.Updated, ChangeTypes.Updated, ChangeTypes.Final], changes.Select(c => c.Type));
        Assert.Equal(changes[^1].Seq, await db.Store.LastSeqAsync());
    }

    [Fact]
    public async Task A_batch_holding_several_versions_of_a_call_writes_its_newest_row_once_and_a_change_for_every_version()
    {
        await using var db = await StoreDatabase.CreateAsync(server);
        CallAppend[] appends =
        [
            Append(Entry("s-1", "k-1"), Row("s-1", version: 1)),
            Append(Entry("s-1", "k-2"), Row("s-1", version: 2, status: CallStatus.Ringing)),
            Append(Entry("s-2", "k-1"), Row("s-2", version: 1)),
            Append(Entry("s-1", "k-3"), Row("s-1", version: 3, status: CallStatus.Ended, outcome: CallOutcome.NoAnswer, final: true)),
        ];

        await db.Store.AppendManyAsync(appends);

        var calls = (await db.Store.ListAsync(new CallQuery())).Items;
        Assert.Equal(Row("s-1", version: 3, status: CallStatus.Ended, outcome: CallOutcome.NoAnswer, final: true), calls.Single(c => c.SessionId == "s-1"));
        Assert.Equal(calls.Single(c => c.SessionId == "s-1"), Assert.Single((await db.Store.ListAsync(new CallQuery(Outcome: CallOutcome.NoAnswer))).Items));
        var changes = await db.Store.ReadAsync(new ChangeQuery());
        Assert.Equal([("s-1", 1), ("s-1", 2), ("s-2", 1), ("s-1", 3)], changes.Select(c => (c.SessionId, c.Version)));
        Assert.Equal(appends.Select(a => a.Call.ViewJson), changes.Select(c => c.ViewJson));
        Assert.Equal(ChangeTypes.Final, changes[^1].Type);
    }

    [Fact]
    public async Task An_item_kept_past_the_session_limit_reads_back_unfolded_and_makes_no_change()
    {
        await using var db = await StoreDatabase.CreateAsync(server);
        var memory = new InMemoryStore();
        CallAppend[] appends =
        [
            Append(Entry("s-1", "k-1"), Row("s-1", version: 1, T0)),
            new(Entry("s-1", "k-2") with { Folded = false }, Row("s-1", version: 1, T0), ChangeType: null),
        ];

        foreach (var append in appends)
        {
            await db.Store.AppendAsync(append);
            await memory.AppendAsync(append);
        }

        Assert.Equal([true, false], (await db.Store.ReadSessionAsync("s-1")).Select(e => e.Folded));
        Assert.Equal(await memory.ReadSessionAsync("s-1"), await db.Store.ReadSessionAsync("s-1"));
        Assert.Single(await db.Store.ReadAsync(new ChangeQuery()));
        Assert.Single(await memory.ReadAsync(new ChangeQuery()));
    }

    [Fact]
    public async Task Times_read_back_unchanged_when_the_session_time_zone_is_not_utc()
    {
        await using var db = await StoreDatabase.CreateAsync(server);
        var helsinki = new NpgsqlConnectionStringBuilder(db.ConnectionString) { Timezone = "Europe/Helsinki" }.ConnectionString;
        await using var source = NpgsqlDataSource.Create(helsinki);
        var store = new PostgresStore(source);
        var entry = Entry("s-1", "k-1", receivedAt: T0.AddTicks(1234560).ToOffset(TimeSpan.FromHours(-3)));
        var row = Row("s-1", version: 1, T0.AddTicks(7654320));

        await store.AppendAsync(entry, row);

        Assert.Equal(entry, Assert.Single(await db.Store.ReadSessionAsync("s-1")));
        Assert.Equal(entry, Assert.Single(await store.ReadSessionAsync("s-1")));
        Assert.Equal(row, Assert.Single((await store.ListAsync(new CallQuery(Since: row.FirstReceivedAt))).Items));
    }

    [Fact]
    public async Task A_store_that_cannot_reach_its_server_raises_StoreUnavailableException()
    {
        var unreachable = new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1",
            Port = ClosedLoopbackPort(),
            Username = "postgres",
            Database = "nowhere",
            Timeout = 2,
        }.ConnectionString;
        await using var source = NpgsqlDataSource.Create(unreachable);
        var store = new PostgresStore(source);

        await Assert.ThrowsAsync<StoreUnavailableException>(() => store.AppendAsync(Entry("s-1", "k-1"), Row("s-1", 1, T0)));
        await Assert.ThrowsAsync<StoreUnavailableException>(() => store.ReadSessionAsync("s-1"));
        await Assert.ThrowsAsync<StoreUnavailableException>(() => store.ListAsync(new CallQuery()));
        await Assert.ThrowsAsync<StoreUnavailableException>(() => store.UpsertAsync(Request("order-1", "biz-1", T0)));
        await Assert.ThrowsAsync<StoreUnavailableException>(() => store.ListByBusinessIdAsync("biz-1"));
    }

    [Fact]
    public async Task A_store_fails_while_its_server_is_down_and_works_again_once_it_is_back()
    {
        // Only a server this run started may be stopped.
        if (!server.IsThrowaway) return;
        await using var db = await StoreDatabase.CreateAsync(server);
        await db.Store.AppendAsync(Entry("s-1", "k-1"), Row("s-1", version: 1, T0));

        await server.StopAsync();
        try
        {
            await Assert.ThrowsAsync<StoreUnavailableException>(() =>
                db.Store.AppendAsync(Entry("s-1", "k-2"), Row("s-1", version: 2, T0)));
        }
        finally
        {
            await server.StartAsync();
        }

        // Pooled connections died with the server; the first attempts may still meet one of them.
        await RetryAsync(() => db.Store.AppendAsync(Entry("s-1", "k-3"), Row("s-1", version: 3, T0)));
        Assert.Equal(["k-1", "k-3"], (await db.Store.ReadSessionAsync("s-1")).Select(e => e.ItemKey));
    }

    private static async Task RetryAsync(Func<Task> action)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await action();
                return;
            }
            catch (StoreUnavailableException) when (attempt < 20)
            {
                await Task.Delay(250);
            }
        }
    }

    /// <summary>Calls spread over users, states, outcomes and times, with several sharing a first-received time.</summary>
    private static IEnumerable<CallRow> MixedCalls()
    {
        CallStatus[] statuses = [CallStatus.Dialing, CallStatus.Ringing, CallStatus.Answered, CallStatus.Ended];
        CallOutcome?[] outcomes = [null, CallOutcome.Answered, CallOutcome.NoAnswer, CallOutcome.Busy, CallOutcome.CallerAbandoned];
        for (var i = 0; i < 40; i++)
        {
            var status = statuses[i % statuses.Length];
            var outcome = status == CallStatus.Ended ? outcomes[(i / 4) % outcomes.Length] : null;
            yield return Row(
                $"call-{(i * 7919) % 100:D2}-{(char)('a' + i % 3)}",
                version: 1 + i % 5,
                T0.AddMinutes(i / 3),
                userData: i % 4 == 3 ? null : $"order-{i % 3}",
                status: status,
                outcome: outcome,
                final: outcome is not null) with { Unverified = i % 7 == 0 ? 1 + i % 2 : 0 };
        }
    }

    private static async Task<List<CallPage>> AllPagesAsync(ICallsProjection projection, CallQuery query)
    {
        var pages = new List<CallPage>();
        var page = await projection.ListAsync(query);
        pages.Add(page);
        while (page.Next is not null)
        {
            page = await projection.ListAsync(query with { Cursor = page.Next });
            pages.Add(page);
        }
        return pages;
    }

    private static async Task<CallRow> SingleCallAsync(ICallsProjection projection) =>
        Assert.Single((await projection.ListAsync(new CallQuery())).Items);

    private static RequestRow Request(string userData, string businessId, DateTimeOffset registeredAt, params (string Key, string Value)[] attributes) =>
        new(userData, "taxi", businessId, attributes.ToDictionary(a => a.Key, a => a.Value), registeredAt, registeredAt);

    private static int ClosedLoopbackPort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>A fresh migrated database with a store over it, disposed with the test.</summary>
internal sealed class StoreDatabase(string connectionString, NpgsqlDataSource source, CallGrainsMetrics? metrics = null, TimeProvider? clock = null)
    : IAsyncDisposable
{
    public string ConnectionString { get; } = connectionString;
    public NpgsqlDataSource Source { get; } = source;
    public PostgresStore Store { get; } = new(source, metrics, clock);

    public static async Task<StoreDatabase> CreateAsync(PostgresServer server, CallGrainsMetrics? metrics = null, TimeProvider? clock = null)
    {
        var connectionString = await server.CreateMigratedDatabaseAsync();
        return new StoreDatabase(connectionString, NpgsqlDataSource.Create(connectionString), metrics, clock);
    }

    public ValueTask DisposeAsync() => Source.DisposeAsync();
}
