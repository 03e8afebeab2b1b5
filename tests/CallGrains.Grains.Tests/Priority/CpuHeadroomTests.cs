using CallGrains.Priority;

namespace CallGrains.Grains.Tests.Priority;

public sealed class CpuHeadroomTests
{
    [Fact]
    public void A_host_busy_for_about_a_second_is_short_and_one_that_was_busy_for_a_moment_is_not()
    {
        var cpu = new FakeCpu();
        using var headroom = new CpuHeadroom(0.95, cpu.Read, time: null);
        headroom.Sample();

        cpu.Run(busy: 250, total: 250);
        headroom.Sample();
        Assert.False(headroom.Short);

        for (var i = 0; i < 12; i++)
        {
            cpu.Run(busy: 250, total: 250);
            headroom.Sample();
        }
        Assert.True(headroom.Short);
        Assert.True(headroom.Busy > 0.95);
    }

    [Fact]
    public void A_short_host_resumes_only_once_it_is_clearly_below_the_threshold()
    {
        var cpu = new FakeCpu();
        using var headroom = new CpuHeadroom(0.9, cpu.Read, time: null);
        headroom.Sample();
        for (var i = 0; i < 20; i++)
        {
            cpu.Run(busy: 100, total: 100);
            headroom.Sample();
        }
        Assert.True(headroom.Short);

        // Just below the threshold: still stepping back, so that readers do not flap at the edge.
        for (var i = 0; i < 20; i++)
        {
            cpu.Run(busy: 87, total: 100);
            headroom.Sample();
        }
        Assert.True(headroom.Short);

        for (var i = 0; i < 20; i++)
        {
            cpu.Run(busy: 50, total: 100);
            headroom.Sample();
        }
        Assert.False(headroom.Short);
    }

    [Fact]
    public void A_threshold_above_one_never_holds_readers_back()
    {
        var cpu = new FakeCpu();
        using var headroom = new CpuHeadroom(1.5, cpu.Read, time: null);
        var pace = new ReaderPace(headroom);
        for (var i = 0; i < 20; i++)
        {
            cpu.Run(busy: 100, total: 100);
            headroom.Sample();
        }
        Assert.False(pace.SteppingBack);
        Assert.Equal(32, pace.Sends(32));
    }

    [Fact]
    public void A_short_host_leaves_a_subscription_a_few_sends_in_flight()
    {
        var cpu = new FakeCpu();
        using var headroom = new CpuHeadroom(0, cpu.Read, time: null);
        headroom.Sample();
        cpu.Run(busy: 0, total: 100);
        headroom.Sample();

        var pace = new ReaderPace(headroom);
        Assert.True(pace.SteppingBack);
        Assert.Equal(ReaderPace.ShortSends, pace.Sends(32));
        Assert.Equal(1, pace.Sends(1));
    }

    [Fact]
    public void An_unreadable_cpu_changes_nothing()
    {
        using var headroom = new CpuHeadroom(0.5, () => null, time: null);
        headroom.Sample();
        headroom.Sample();
        Assert.False(headroom.Short);
        Assert.Equal(0, headroom.Busy);
    }

    [Theory]
    [InlineData("cpu  100 0 50 800 50 0 0 0 0 0", 150, 1000)]
    [InlineData("cpu 10 20 30 40 0 5 5 10 7 7", 80, 120)]
    public void Proc_stat_counts_idle_and_iowait_as_spare_and_the_rest_as_busy(string line, long busy, long total) =>
        Assert.Equal(new CpuTicks(busy, total), HostCpu.ParseProcStat(line));

    [Theory]
    [InlineData("cpu0 1 2 3 4 5 6 7 8")]
    [InlineData("cpu 1 2 3")]
    [InlineData("cpu 1 2 x 4 5 6 7 8")]
    public void A_line_that_is_not_the_hosts_total_is_not_read(string line) => Assert.Null(HostCpu.ParseProcStat(line));

    /// <summary>A host that has run a while before the headroom looks, 10% busy.</summary>
    private sealed class FakeCpu
    {
        private long _busy = 1_000;
        private long _total = 10_000;

        public void Run(long busy, long total) => (_busy, _total) = (_busy + busy, _total + total);

        public CpuTicks? Read() => new CpuTicks(_busy, _total);
    }
}
