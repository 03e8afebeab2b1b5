namespace CallGrains.Postgres.Storage;

/// <summary>
/// How the change feed is numbered on PostgreSQL (db/018): a change's seq is its transaction's id shifted left by
/// <see cref="Bits"/> bits plus its place in the transaction, and readers read only below the oldest transaction still
/// open. Every lower transaction id has then ended and every later one is higher, so a reader that moved past a seq never
/// finds a lower one appear behind it, while writers commit side by side (no lock orders them).
/// </summary>
internal static class FeedNumbering
{
    public const int Bits = 14;

    /// <summary>Changes one transaction may number; a group-commit batch holds at most <see cref="GroupCommitOptions.MaxBatch"/> (10,000).</summary>
    public const int MaxChangesPerTransaction = (1 << Bits) - 1;

    /// <summary>SQL: the seq before this transaction's first change (add 1, 2, ... in the transaction's order).</summary>
    public static readonly string TransactionBase = $"(pg_current_xact_id()::text::bigint << {Bits})";

    /// <summary>SQL: every committed seq below this is readable and final; a seq at or above it may still be joined by lower ones.</summary>
    public static readonly string Horizon = $"(SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint << {Bits})";

    /// <summary>
    /// How long a read waits for older open transactions to end when it found changes committed behind them. They are
    /// other writers' batches, open for milliseconds; the bound is for a transaction someone left open, after which the
    /// read answers with what is final (the rest comes in a later read).
    /// </summary>
    public static readonly TimeSpan HeldBackWait = TimeSpan.FromSeconds(1);
}
