using CallGrains.Domain.Calls;
using Npgsql;
using NpgsqlTypes;

namespace CallGrains.Postgres.Storage;

/// <summary>
/// The <c>view_json</c> columns (text) as the view's UTF-8 bytes, both ways: the connection's encoding is UTF-8, so
/// Npgsql sends and receives the bytes as they are, with no string made on either side.
/// </summary>
internal static class ViewJsonColumn
{
    public static ViewJson Read(NpgsqlDataReader reader, int ordinal) => ViewJson.FromUtf8(reader.GetFieldValue<byte[]>(ordinal));

    public static NpgsqlParameter Parameter(ViewJson view) => new NpgsqlParameter<ReadOnlyMemory<byte>>
    {
        TypedValue = view.Memory,
        NpgsqlDbType = NpgsqlDbType.Text,
    };

    public static NpgsqlParameter Array(IEnumerable<ViewJson> views) => new NpgsqlParameter<ReadOnlyMemory<byte>[]>
    {
        TypedValue = [.. views.Select(v => v.Memory)],
        NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text,
    };
}
