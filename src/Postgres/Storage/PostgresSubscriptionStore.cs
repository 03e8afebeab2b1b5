using System.Text;
using CallGrains.Storage;
using CallGrains.Webhooks;
using Npgsql;

namespace CallGrains.Postgres.Storage;

/// <summary>Subscriptions and delivery attempts in PostgreSQL (db/009_webhooks.sql).</summary>
public sealed class PostgresSubscriptionStore(NpgsqlDataSource dataSource) : ISubscriptionStore
{
    private const string Columns = """
        id, url, types, user_data_prefix, created_at, status, secret, previous_secret, previous_secret_until,
        cursor, failing_since, last_delivery_at, last_error, tenant, tenant_prefixes, mask_personal_data
        """;

    public Task<bool> CreateAsync(Subscription subscription, int maxSubscriptions, CancellationToken cancellationToken = default) =>
        RunAsync("create a subscription", async () =>
        {
            // The count and the insert in one statement; two creations racing for the last place may both win, which is harmless.
            await using var command = dataSource.CreateCommand($"""
                INSERT INTO callgrains_subscriptions ({Columns})
                SELECT $1, $2, $3, $4, $5, $6, $7, NULL, NULL, $8, NULL, NULL, NULL, $10, $11, $12
                WHERE (SELECT count(*) FROM callgrains_subscriptions) < $9
                ON CONFLICT (id) DO NOTHING
                """);
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = subscription.Id });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = subscription.Url });
            command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. subscription.Types] });
            command.Parameters.Add(new NpgsqlParameter { Value = (object?)subscription.UserDataPrefix ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
            command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = subscription.CreatedAt });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = subscription.Status });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = subscription.Secret });
            command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = subscription.Cursor });
            command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = maxSubscriptions });
            command.Parameters.Add(Nullable(subscription.Tenant?.Name, NpgsqlTypes.NpgsqlDbType.Text));
            command.Parameters.Add(Nullable(subscription.Tenant is { } tenant ? tenant.UserDataPrefixes.ToArray() : null,
                NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text));
            command.Parameters.Add(new NpgsqlParameter<bool> { TypedValue = subscription.MaskPersonalData });
            return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
        });

    public async Task<Subscription?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        var rows = await QueryAsync("read a subscription", $"SELECT {Columns} FROM callgrains_subscriptions WHERE id = $1",
            [new NpgsqlParameter<string> { TypedValue = id }], ReadSubscription, cancellationToken);
        return rows.FirstOrDefault();
    }

    public async Task<IReadOnlyList<Subscription>> ListAsync(CancellationToken cancellationToken = default) =>
        await QueryAsync("list subscriptions", $"SELECT {Columns} FROM callgrains_subscriptions ORDER BY created_at, id", [], ReadSubscription, cancellationToken);

    public Task SaveAsync(Subscription subscription, IReadOnlyList<DeliveryAttempt> attempts, CancellationToken cancellationToken = default) =>
        RunAsync("save a subscription", async () =>
        {
            // One round trip: the state (never re-creating a deleted row), the new attempts, and the trim to the newest ones.
            var sql = new StringBuilder("""
                WITH state AS (
                    UPDATE callgrains_subscriptions
                    SET status = $2, secret = $3, previous_secret = $4, previous_secret_until = $5, cursor = $6,
                        failing_since = $7, last_delivery_at = $8, last_error = $9
                    WHERE id = $1
                    RETURNING id),
                added AS (
                    INSERT INTO callgrains_deliveries (subscription_id, seq, attempt, at, status_code, duration_ms, error)
                    SELECT state.id, a.seq, a.attempt, a.at, a.status_code, a.duration_ms, a.error
                    FROM state, unnest($10::bigint[], $11::integer[], $12::timestamptz[], $13::integer[], $14::bigint[], $15::text[])
                        WITH ORDINALITY AS a(seq, attempt, at, status_code, duration_ms, error, i)
                    ORDER BY a.i
                    RETURNING n)
                DELETE FROM callgrains_deliveries
                WHERE subscription_id = $1
                  AND n <= (SELECT n FROM callgrains_deliveries WHERE subscription_id = $1 ORDER BY n DESC OFFSET $16 LIMIT 1)
                """);
            await using var command = dataSource.CreateCommand(sql.ToString());
            var p = command.Parameters;
            p.Add(new NpgsqlParameter<string> { TypedValue = subscription.Id });
            p.Add(new NpgsqlParameter<string> { TypedValue = subscription.Status });
            p.Add(new NpgsqlParameter<string> { TypedValue = subscription.Secret });
            p.Add(Nullable(subscription.PreviousSecret, NpgsqlTypes.NpgsqlDbType.Text));
            p.Add(Nullable(subscription.PreviousSecretUntil, NpgsqlTypes.NpgsqlDbType.TimestampTz));
            p.Add(new NpgsqlParameter<long> { TypedValue = subscription.Cursor });
            p.Add(Nullable(subscription.FailingSince, NpgsqlTypes.NpgsqlDbType.TimestampTz));
            p.Add(Nullable(subscription.LastDeliveryAt, NpgsqlTypes.NpgsqlDbType.TimestampTz));
            p.Add(Nullable(subscription.LastError, NpgsqlTypes.NpgsqlDbType.Text));
            p.Add(new NpgsqlParameter<long[]> { TypedValue = [.. attempts.Select(a => a.Seq)] });
            p.Add(new NpgsqlParameter<int[]> { TypedValue = [.. attempts.Select(a => a.Attempt)] });
            p.Add(new NpgsqlParameter<DateTimeOffset[]> { TypedValue = [.. attempts.Select(a => a.At)] });
            p.Add(new NpgsqlParameter<int?[]> { TypedValue = [.. attempts.Select(a => a.StatusCode)] });
            p.Add(new NpgsqlParameter<long[]> { TypedValue = [.. attempts.Select(a => a.DurationMs)] });
            p.Add(new NpgsqlParameter<string?[]> { TypedValue = [.. attempts.Select(a => a.Error)] });
            p.Add(new NpgsqlParameter<int> { TypedValue = ISubscriptionStore.KeptDeliveries });
            await command.ExecuteNonQueryAsync(cancellationToken);
            return true;
        });

    public Task<bool> DeleteAsync(string id, CancellationToken cancellationToken = default) =>
        RunAsync("delete a subscription", async () =>
        {
            await using var command = dataSource.CreateCommand("DELETE FROM callgrains_subscriptions WHERE id = $1");
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = id });
            return await command.ExecuteNonQueryAsync(cancellationToken) > 0;
        });

    public async Task<IReadOnlyList<DeliveryAttempt>> ListDeliveriesAsync(string id, int limit, CancellationToken cancellationToken = default) =>
        await QueryAsync("list deliveries", """
            SELECT seq, attempt, at, status_code, duration_ms, error FROM callgrains_deliveries
            WHERE subscription_id = $1 ORDER BY n DESC LIMIT $2
            """,
            [new NpgsqlParameter<string> { TypedValue = id }, new NpgsqlParameter<int> { TypedValue = limit }],
            reader => new DeliveryAttempt(
                reader.GetInt64(0),
                reader.GetInt32(1),
                reader.GetFieldValue<DateTimeOffset>(2),
                reader.IsDBNull(3) ? null : reader.GetInt32(3),
                reader.GetInt64(4),
                reader.IsDBNull(5) ? null : reader.GetString(5)),
            cancellationToken);

    public async Task<long> BacklogAsync(Subscription subscription, CancellationToken cancellationToken = default)
    {
        // The same filter as the feed's read, counted no further than the limit so that a huge backlog costs a bounded scan.
        var query = subscription.Query(subscription.Cursor);
        var sql = new StringBuilder("SELECT count(*) FROM (SELECT 1 FROM callgrains_changes WHERE seq > $1");
        List<NpgsqlParameter> parameters = [new NpgsqlParameter<long> { TypedValue = query.After }];
        if (query.UserDataPrefix is { } prefix)
        {
            parameters.Add(new NpgsqlParameter<string> { TypedValue = prefix });
            sql.Append($" AND starts_with(user_data, ${parameters.Count})");
        }
        if (query.Types is { } types)
        {
            parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. types] });
            sql.Append($" AND type = ANY(${parameters.Count})");
        }
        TenantFilter.Append(sql, parameters, query.Tenant);
        parameters.Add(new NpgsqlParameter<long> { TypedValue = ISubscriptionStore.BacklogCountLimit });
        sql.Append($" LIMIT ${parameters.Count}) backlog");
        var rows = await QueryAsync("count a subscription's backlog", sql.ToString(), parameters, reader => reader.GetInt64(0), cancellationToken);
        return rows.FirstOrDefault();
    }

    private static Subscription ReadSubscription(NpgsqlDataReader reader) => new(
        reader.GetString(0),
        reader.GetString(1),
        [.. reader.GetFieldValue<string[]>(2)],
        reader.IsDBNull(3) ? null : reader.GetString(3),
        reader.GetFieldValue<DateTimeOffset>(4),
        reader.GetString(5),
        reader.GetString(6),
        reader.IsDBNull(7) ? null : reader.GetString(7),
        reader.IsDBNull(8) ? null : reader.GetFieldValue<DateTimeOffset>(8),
        reader.GetInt64(9),
        reader.IsDBNull(10) ? null : reader.GetFieldValue<DateTimeOffset>(10),
        reader.IsDBNull(11) ? null : reader.GetFieldValue<DateTimeOffset>(11),
        reader.IsDBNull(12) ? null : reader.GetString(12),
        reader.IsDBNull(13) ? null : new TenantScope(reader.GetString(13), [.. reader.GetFieldValue<string[]>(14)]),
        reader.GetBoolean(15));

    private static NpgsqlParameter Nullable(object? value, NpgsqlTypes.NpgsqlDbType type) =>
        new() { Value = value ?? DBNull.Value, NpgsqlDbType = type };

    private async Task<List<T>> QueryAsync<T>(
        string operation, string sql, IReadOnlyList<NpgsqlParameter> parameters, Func<NpgsqlDataReader, T> read, CancellationToken cancellationToken) =>
        await RunAsync(operation, async () =>
        {
            await using var command = dataSource.CreateCommand(sql);
            foreach (var parameter in parameters) command.Parameters.Add(parameter);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            var rows = new List<T>();
            while (await reader.ReadAsync(cancellationToken)) rows.Add(read(reader));
            return rows;
        });

    private async Task<T> RunAsync<T>(string operation, Func<Task<T>> run)
    {
        try
        {
            return await run();
        }
        catch (Exception ex) when (StoreFailures.IsUnavailable(ex))
        {
            if (StoreFailures.IsConnectionLost(ex)) dataSource.Clear();
            throw StoreFailures.Unavailable(operation, ex);
        }
    }
}
