namespace CallGrains.Api.Operations;

/// <summary>
/// Deadlines for requests that share timers: every request that starts within the same tenth of a second waits on
/// the same delay. A timer per request (what <c>Task.WaitAsync(timeout)</c> or <c>CancelAfter</c> create) made the
/// runtime's timer-queue lock the hottest contention of the embedded push path under load (7.6 % of the API's CPU in
/// a profile of 2026-11-29), for a limit that almost no request reaches. A request's deadline is therefore up to
/// <see cref="Granularity"/> later than its own start plus the limit.
/// </summary>
/// <remarks>
/// Each limit keeps its own current delay. A push asks for two limits (the request's and the grain calls'); with one
/// shared slot they displaced each other on every request, and each push left two timers of up to 30 s behind it:
/// 150,000 live timers at 5,000 pushes/s, and the runtime's timer thread spent 12 % of the node's CPU walking them
/// (perf, 2026-11-29 evening).
/// </remarks>
public sealed class SharedDeadlines(TimeProvider clock)
{
    public static readonly TimeSpan Granularity = TimeSpan.FromMilliseconds(100);

    private Slot[] _slots = [];

    /// <summary>A task that completes once <paramref name="limit"/> (plus at most <see cref="Granularity"/>) has passed from now.</summary>
    public Task After(TimeSpan limit)
    {
        var tick = clock.GetTimestamp() * 10 / clock.TimestampFrequency;
        var slots = Volatile.Read(ref _slots);
        var index = slots.Length - 1;
        while (index >= 0 && slots[index].Limit != limit) index--;
        if (index >= 0 && slots[index].Tick == tick) return slots[index].Expired;

        // Two requests that race here may each start a delay for the tick; one of them is kept, the other's request
        // still waits on its own, which is correct and happens at most a few times per tick.
        var fresh = new Slot(tick, limit, Task.Delay(limit + Granularity, clock));
        Slot[] next = [.. slots.Where(s => s.Limit != limit), fresh];
        Interlocked.CompareExchange(ref _slots, next, slots);
        return fresh.Expired;
    }

    private sealed record Slot(long Tick, TimeSpan Limit, Task Expired);
}
