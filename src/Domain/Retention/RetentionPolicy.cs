namespace CallGrains.Domain.Retention;

/// <summary>
/// When a stored call has been kept long enough to be removed. Calls are removed a week at a time, by the week of
/// their first receipt (Monday 00:00 UTC to the next Monday), because PostgreSQL keeps each week of calls in partitions
/// of their own and removes a week by dropping them; the in-memory store follows the same rule so that both remove
/// the same calls. A week goes once it ended before the cutoff and none of its calls had a push since the cutoff.
/// </summary>
/// <param name="KeepFor">CallGrains:Retention:Days: how long a call is kept after its last push.</param>
/// <param name="Grace">Added to <paramref name="KeepFor"/> for what can still arrive after a call looks over: a CDR
/// re-sent for hours, a call silent past the stuck-call thresholds that may yet end.</param>
public sealed record RetentionPolicy(TimeSpan KeepFor, TimeSpan Grace)
{
    /// <summary>How much one partition holds: a week (about 14 per table with 90 days kept; daily ones would be about 95).</summary>
    public static readonly TimeSpan Period = TimeSpan.FromDays(7);

    /// <summary>Calls whose last push is before this are past the retention as of <paramref name="now"/>.</summary>
    public DateTimeOffset Cutoff(DateTimeOffset now) => now - KeepFor - Grace;

    /// <summary>Whether the week starting at <paramref name="weekStart"/> ended before the cutoff (its calls may still be postponed by a recent push).</summary>
    public bool WeekEnded(DateTimeOffset weekStart, DateTimeOffset now) => weekStart + Period <= Cutoff(now);

    /// <summary>Whether a week whose calls' latest push was at <paramref name="lastPush"/> goes as of <paramref name="now"/>.</summary>
    public bool WeekExpired(DateTimeOffset weekStart, DateTimeOffset lastPush, DateTimeOffset now) =>
        WeekEnded(weekStart, now) && lastPush <= Cutoff(now);

    /// <summary>The start of the week holding <paramref name="at"/>: the Monday before it (or of it), 00:00 UTC.</summary>
    public static DateTimeOffset WeekOf(DateTimeOffset at)
    {
        var utc = at.ToUniversalTime();
        var sinceMonday = ((int)utc.DayOfWeek + 6) % 7;
        return new DateTimeOffset(utc.Date, TimeSpan.Zero).AddDays(-sinceMonday);
    }
}
