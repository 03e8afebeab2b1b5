using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using CallGrains.Storage;
using Npgsql;

namespace CallGrains.Postgres.Storage;

/// <summary>
/// The billing export on PostgreSQL. Each page is one query that joins the requests projection, in the order of the
/// calls' list index (<c>first_received_at, session_id</c>, read backwards), so a page costs an index range and never
/// a query per call. The totals are one grouped query whose rows are read as the server sends them.
/// </summary>
public sealed class PostgresCallExport(NpgsqlDataSource dataSource) : ICallExport
{
    public async Task<IReadOnlyList<ExportedCall>> ReadExportAsync(
        ExportQuery query, ExportCursor? after, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        await using var command = dataSource.CreateCommand();
        var sql = new StringBuilder("""
            SELECT c.session_id, c.user_data, c.first_received_at, c.view_json,
                   r.kind, r.business_id, r.attributes::text, r.registered_at, r.updated_at
            FROM callgrains_calls c
            LEFT JOIN callgrains_requests r ON r.user_data = c.user_data
            """);
        Where(sql, command, query);
        if (after is not null)
        {
            command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = after.FirstReceivedAt.ToUniversalTime() });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = after.SessionId });
            sql.Append($" AND (c.first_received_at, c.session_id) > (${command.Parameters.Count - 1}, ${command.Parameters.Count})");
        }
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });
        sql.Append($" ORDER BY c.first_received_at, c.session_id LIMIT ${command.Parameters.Count}");
        command.CommandText = sql.ToString();

        var page = new List<ExportedCall>(limit);
        try
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var userData = reader.IsDBNull(1) ? null : reader.GetString(1);
                var request = reader.IsDBNull(4) ? null : new RequestRow(
                    userData!,
                    reader.GetString(4),
                    reader.GetString(5),
                    new Dictionary<string, string>(
                        JsonSerializer.Deserialize<Dictionary<string, string>>(reader.GetString(6)) ?? [], StringComparer.Ordinal),
                    reader.GetFieldValue<DateTimeOffset>(7),
                    reader.GetFieldValue<DateTimeOffset>(8));
                page.Add(new ExportedCall(reader.GetString(0), userData, reader.GetFieldValue<DateTimeOffset>(2), ViewJsonColumn.Read(reader, 3), request));
            }
        }
        catch (Exception ex) when (StoreFailures.IsUnavailable(ex))
        {
            throw StoreFailures.Unavailable("read the billing export", ex);
        }
        return page;
    }

    public async IAsyncEnumerable<BillingTotal> ReadTotalsAsync(
        ExportQuery query, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand();
        // The figures are the stored view's own (talkSeconds, billableMinutes), read from its JSON, so the totals
        // say what the exported rows say. Business ids sort by code point, as the in-memory store sorts them.
        var sql = new StringBuilder("""
            SELECT r.business_id, count(*),
                   coalesce(sum((v.view ->> 'talkSeconds')::bigint), 0),
                   coalesce(sum((v.view ->> 'billableMinutes')::bigint), 0)
            FROM callgrains_calls c
            CROSS JOIN LATERAL (SELECT c.view_json::json AS view) v
            LEFT JOIN callgrains_requests r ON r.user_data = c.user_data
            """);
        Where(sql, command, query);
        sql.Append(" GROUP BY r.business_id ORDER BY r.business_id COLLATE \"C\" NULLS FIRST");
        command.CommandText = sql.ToString();

        NpgsqlDataReader reader;
        try
        {
            reader = await command.ExecuteReaderAsync(cancellationToken);
        }
        catch (Exception ex) when (StoreFailures.IsUnavailable(ex))
        {
            throw StoreFailures.Unavailable("total the billing export", ex);
        }
        await using (reader)
        {
            while (await ReadAsync(reader, cancellationToken))
                yield return new BillingTotal(reader.IsDBNull(0) ? null : reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3));
        }
    }

    private static async Task<bool> ReadAsync(NpgsqlDataReader reader, CancellationToken cancellationToken)
    {
        try
        {
            return await reader.ReadAsync(cancellationToken);
        }
        catch (Exception ex) when (StoreFailures.IsUnavailable(ex))
        {
            throw StoreFailures.Unavailable("total the billing export", ex);
        }
    }

    /// <summary>The calls of <paramref name="query"/>: the same filter for the pages and the totals.</summary>
    private static void Where(StringBuilder sql, NpgsqlCommand command, ExportQuery query)
    {
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = query.Since.ToUniversalTime() });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = query.Until.ToUniversalTime() });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = query.AsOf.ToUniversalTime() });
        sql.Append(" WHERE c.final AND c.first_received_at >= $1 AND c.first_received_at < $2 AND c.updated_at <= $3");
        TenantFilter.Append(sql, command.Parameters, query.Tenant, "c.user_data");
    }
}
