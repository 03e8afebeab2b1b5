using CallGrains.Domain.Pushes;
using Npgsql;

namespace CallGrains.Postgres.Storage;

/// <summary>Pending items (db/016): journaled without their grain, so no calls row and no change until it catches up.</summary>
public static partial class CallAppends
{
    // In list order, like the grain's appends; an item key the session already holds (pending or not) is a no-op.
    private const string PendingSql = """
        INSERT INTO callgrains_journal (session_id, item_key, event_type, body, received_at, changed_view, flag, folded, projected,
                                        first_received_at)
        SELECT session_id, item_key, event_type, body, received_at, false, flag, true, false,
               -- The journal's partition key is its call's first receipt (db/014), the same on all of a call's rows: that
               -- of the session's rows already journaled, else of its first item here (the first by seq, as the grain dates it).
               coalesce((SELECT j.first_received_at FROM callgrains_journal j WHERE j.session_id = a.session_id LIMIT 1),
                        first_value(received_at) OVER (PARTITION BY session_id ORDER BY arrival))
        FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::text[])
            WITH ORDINALITY AS a(session_id, item_key, event_type, body, received_at, flag, arrival)
        ORDER BY arrival
        ON CONFLICT (session_id, item_key, first_received_at) DO NOTHING
        """;

    /// <summary>Journals <paramref name="items"/> as pending in one statement (one round trip, all or nothing), keyed as the grain keys them.</summary>
    public static async Task ExecutePendingAsync(
        NpgsqlConnection connection, IReadOnlyList<PushItem> items, CancellationToken cancellationToken = default)
    {
        if (items.Count == 0) return;
        await using var command = new NpgsqlCommand(PendingSql, connection);
        command.Parameters.Add(TextArray(items.Select(i => i.SessionId)));
        command.Parameters.Add(TextArray(items.Select(i => ItemReading.Of(i).Key)));
        command.Parameters.Add(TextArray(items.Select(i => i.EventType)));
        command.Parameters.Add(TextArray(items.Select(i => i.Body)));
        command.Parameters.Add(TimeArray(items.Select(i => i.ReceivedAt)));
        command.Parameters.Add(TextArray(items.Select(i => i.Flag)));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
