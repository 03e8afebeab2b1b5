using System.Net.Sockets;
using CallGrains.Storage;
using Npgsql;

namespace CallGrains.Postgres.Storage;

/// <summary>
/// Turns driver failures into the one exception the grains and the API understand: the store could not
/// answer, so nothing is acknowledged (503) and the caller may retry.
/// </summary>
internal static class StoreFailures
{
    /// <remarks>
    /// Every <see cref="NpgsqlException"/> counts, server errors (<see cref="PostgresException"/>) included:
    /// whatever the cause, the write did not commit and the push must not be acknowledged. A cancellation
    /// by the caller is not a failure of the store and passes through unchanged.
    /// </remarks>
    public static bool IsUnavailable(Exception exception) =>
        exception is NpgsqlException or SocketException or TimeoutException or IOException;

    /// <summary>The connection itself failed (server gone, restarted, network), as opposed to a statement being refused.</summary>
    public static bool IsConnectionLost(Exception exception) => exception switch
    {
        PostgresException postgres => postgres.SqlState.StartsWith("08", StringComparison.Ordinal) || postgres.SqlState.StartsWith("57", StringComparison.Ordinal),
        NpgsqlException or SocketException or IOException => true,
        _ => false,
    };

    public static StoreUnavailableException Unavailable(string operation, Exception exception) =>
        new($"PostgreSQL could not {operation}: {exception.Message}", exception);
}
