using Npgsql;

namespace CallGrains.Postgres.Tests;

/// <summary>
/// A lock on tables that another session holds, as dropping or making a partition or a commit in flight does, until it
/// is disposed (its transaction then ends, releasing the lock).
/// </summary>
internal sealed class TableLock : IAsyncDisposable
{
    private readonly NpgsqlConnection _connection;
    private readonly NpgsqlTransaction _transaction;

    private TableLock(NpgsqlConnection connection, NpgsqlTransaction transaction) =>
        (_connection, _transaction) = (connection, transaction);

    /// <param name="tables">The tables, comma-separated, as LOCK TABLE names them.</param>
    /// <param name="mode">A lock mode, e.g. "ACCESS EXCLUSIVE" or "ROW EXCLUSIVE".</param>
    public static async Task<TableLock> HoldAsync(NpgsqlDataSource source, string tables, string mode)
    {
        var connection = await source.OpenConnectionAsync();
        var transaction = await connection.BeginTransactionAsync();
        await using var command = new NpgsqlCommand($"LOCK TABLE {tables} IN {mode} MODE", connection, transaction);
        await command.ExecuteNonQueryAsync();
        return new TableLock(connection, transaction);
    }

    public async ValueTask DisposeAsync()
    {
        await _transaction.DisposeAsync();
        await _connection.DisposeAsync();
    }
}
