namespace CallGrains.Api.Tests;

/// <summary>
/// A fake clock that runs with real time plus an offset a test can move: hours pass in an instant, while
/// timers and stopwatches (the base class's) keep real time.
/// </summary>
public sealed class MovableClock : TimeProvider
{
    private long _offsetTicks;

    public TimeSpan Offset => TimeSpan.FromTicks(Interlocked.Read(ref _offsetTicks));

    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + Offset;

    /// <summary>Moves the clock forward by <paramref name="by"/> until the returned handle puts it back.</summary>
    public IDisposable Advance(TimeSpan by)
    {
        Interlocked.Add(ref _offsetTicks, by.Ticks);
        return new Rewind(this, by);
    }

    private sealed class Rewind(MovableClock clock, TimeSpan by) : IDisposable
    {
        private int _done;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0) Interlocked.Add(ref clock._offsetTicks, -by.Ticks);
        }
    }
}
