using System.Diagnostics;
using CallGrains.Api.Operations;

namespace CallGrains.Api.Tests;

/// <summary>Request deadlines share timers, and still never expire before the request's limit.</summary>
public sealed class SharedDeadlinesTests
{
    private readonly SharedDeadlines _deadlines = new(TimeProvider.System);

    [Fact]
    public void Requests_that_start_within_one_tenth_of_a_second_wait_on_one_timer()
    {
        var limit = TimeSpan.FromSeconds(15);
        // Two asks straddle a tick boundary now and then; never five times in a row.
        var shared = Enumerable.Range(0, 5).Any(_ => ReferenceEquals(_deadlines.After(limit), _deadlines.After(limit)));

        Assert.True(shared, "two requests started at once got timers of their own");
    }

    [Fact]
    public void Another_limit_gets_its_own_deadline()
    {
        Assert.NotSame(_deadlines.After(TimeSpan.FromSeconds(15)), _deadlines.After(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public void Two_limits_asked_in_turn_each_keep_one_timer_per_tenth_of_a_second()
    {
        var clock = new CountingClock();
        var deadlines = new SharedDeadlines(clock);
        var request = TimeSpan.FromSeconds(30);
        var grainCalls = TimeSpan.FromSeconds(15);

        // What every push does: the request's limit, then its grain calls'.
        for (var push = 0; push < 1_000; push++)
        {
            deadlines.After(request);
            deadlines.After(grainCalls);
        }

        Assert.Equal(2, clock.TimersCreated);
        clock.Advance(SharedDeadlines.Granularity);
        deadlines.After(request);
        deadlines.After(grainCalls);
        Assert.Equal(4, clock.TimersCreated);
    }

    [Fact]
    public async Task A_deadline_expires_no_sooner_than_its_limit()
    {
        var limit = TimeSpan.FromMilliseconds(300);
        var started = Stopwatch.GetTimestamp();

        var deadline = _deadlines.After(limit);
        Assert.False(deadline.IsCompleted);
        await deadline.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.True(Stopwatch.GetElapsedTime(started) >= limit, $"expired after {Stopwatch.GetElapsedTime(started).TotalMilliseconds} ms");
    }

    /// <summary>A clock that stands still until told, and counts the timers asked of it.</summary>
    private sealed class CountingClock : TimeProvider
    {
        private long _ticks;

        public int TimersCreated { get; private set; }

        public void Advance(TimeSpan by) => _ticks += by.Ticks;

        public override long GetTimestamp() => _ticks;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            TimersCreated++;
            return System.CreateTimer(callback, state, dueTime, period);
        }
    }
}
