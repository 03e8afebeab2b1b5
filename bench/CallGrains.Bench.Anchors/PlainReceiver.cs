using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

namespace CallGrains.Bench.Anchors;

/// <summary>
/// The plain receiver: the push endpoint a straightforward ASP.NET Core + Npgsql app would have. Each push is parsed,
/// then written in a transaction of its own (a row per item: the status push, or each CDR of a fee push, with its
/// session id indexed so that a call's events can be found) and acknowledged once committed. Durable as CallGrains is,
/// and nothing more: no ordering, no deduplication, no views, so the bench's verifier has nothing to check here.
/// </summary>
public static class PlainReceiver
{
    public const string Mode = "plain-receiver";

    private const string Schema = """
        CREATE TABLE IF NOT EXISTS push_items (
            id bigserial PRIMARY KEY,
            session_id text NOT NULL,
            event_type text NOT NULL,
            body jsonb NOT NULL,
            received_at timestamptz NOT NULL DEFAULT now());
        CREATE INDEX IF NOT EXISTS push_items_session ON push_items (session_id);
        """;

    private const string Insert = "INSERT INTO push_items (session_id, event_type, body) VALUES ($1, $2, $3)";

    public static async Task MapPlainReceiverAsync(this WebApplication app)
    {
        var connectionString = app.Configuration.GetConnectionString("Anchor")
            ?? throw new InvalidOperationException("the plain receiver needs ConnectionStrings:Anchor");
        // Npgsql's defaults (a pool of at most 100 connections), as an app that never tuned them.
        var dataSource = NpgsqlDataSource.Create(connectionString);
        app.Lifetime.ApplicationStopped.Register(dataSource.Dispose);
        await using (var create = dataSource.CreateCommand(Schema)) await create.ExecuteNonQueryAsync();

        foreach (var path in AnchorHost.PushPaths)
        {
            app.MapPost(path, async (HttpContext http) =>
            {
                var aborted = http.RequestAborted;
                List<(string SessionId, string EventType, string Body)> items;
                try
                {
                    using var push = await JsonDocument.ParseAsync(http.Request.Body, cancellationToken: aborted);
                    items = ItemsOf(push.RootElement);
                }
                catch (Exception ex) when (ex is JsonException or InvalidOperationException or KeyNotFoundException)
                {
                    http.Response.StatusCode = StatusCodes.Status400BadRequest;
                    return;
                }

                await using var connection = await dataSource.OpenConnectionAsync(aborted);
                await using var transaction = await connection.BeginTransactionAsync(aborted);
                foreach (var (sessionId, eventType, body) in items)
                {
                    await using var insert = new NpgsqlCommand(Insert, connection, transaction);
                    insert.Parameters.Add(new NpgsqlParameter { Value = sessionId });
                    insert.Parameters.Add(new NpgsqlParameter { Value = eventType });
                    insert.Parameters.Add(new NpgsqlParameter { Value = body, NpgsqlDbType = NpgsqlDbType.Jsonb });
                    await insert.ExecuteNonQueryAsync(aborted);
                }
                await transaction.CommitAsync(aborted);
                await AnchorHost.AcknowledgeAsync(http.Response);
            });
        }
    }

    /// <summary>A status push is one item; a fee push one per CDR in its <c>feeLst</c>.</summary>
    private static List<(string SessionId, string EventType, string Body)> ItemsOf(JsonElement push)
    {
        var eventType = push.GetProperty("eventType").GetString() ?? throw new InvalidOperationException("no eventType");
        if (push.TryGetProperty("feeLst", out var fees))
            return [.. fees.EnumerateArray().Select(fee => (SessionIdOf(fee), eventType, fee.GetRawText()))];
        return [(SessionIdOf(push.GetProperty("statusInfo")), eventType, push.GetRawText())];
    }

    private static string SessionIdOf(JsonElement item) =>
        item.GetProperty("sessionId").GetString() ?? throw new InvalidOperationException("no sessionId");
}
