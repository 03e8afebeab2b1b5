using System.ComponentModel.DataAnnotations;
using System.Diagnostics;
using System.Globalization;

namespace CallGrains.Priority;

/// <summary>
/// Whether this host has CPU to spare. A push cannot wait (a refused status push is lost for good); a change reader
/// can, because its changes stay in the feed. So while the host's CPU is nearly all busy, webhook deliveries and live
/// streams step back (<see cref="ReaderPace"/>) and catch up once it is not: readers never take the CPU that ingest
/// needs, and at any load below saturation they run at full speed.
/// </summary>
/// <remarks>
/// The busy share is smoothed over about a second, with a gap between stepping back and resuming, so that a burst
/// neither throttles the readers nor makes them flap.
/// </remarks>
public sealed class CpuHeadroom : IDisposable
{
    private static readonly TimeSpan SampleInterval = TimeSpan.FromMilliseconds(250);
    // Each sample weighs this much in the smoothed share: the last four samples (one second) carry about 70% of it.
    private const double Smoothing = 0.25;
    // Readers resume only once the host is this much below the threshold that stopped them.
    private const double Hysteresis = 0.10;

    private readonly Func<CpuTicks?> _read;
    private readonly double _stepBackAbove;
    private readonly ITimer? _timer;
    private readonly Lock _lock = new();
    private CpuTicks? _last;
    private double _busy;
    private volatile bool _short;

    public CpuHeadroom(ReaderPriorityOptions options, TimeProvider time)
        : this(options.StepBackAboveCpuBusy, HostCpu.Read, time)
    {
    }

    /// <param name="read">Cumulative busy and total CPU time, or null when it cannot be read (the share then stays as it was).</param>
    /// <param name="time">Null: no timer; the owner calls <see cref="Sample"/> (tests).</param>
    public CpuHeadroom(double stepBackAbove, Func<CpuTicks?> read, TimeProvider? time)
    {
        _stepBackAbove = stepBackAbove;
        _read = read;
        // The first reading is measured from the host's start: a fair guess until the next one.
        _last = new CpuTicks(0, 0);
        Sample();
        // Above 1 the host can never be that busy: the readers never step back, and nothing needs sampling.
        if (time is not null && stepBackAbove <= 1) _timer = time.CreateTimer(_ => Sample(), null, SampleInterval, SampleInterval);
    }

    /// <summary>The host is short of CPU: readers step back for ingest.</summary>
    public bool Short => _short;

    /// <summary>The smoothed share of the host's CPU that was busy, 0 to 1.</summary>
    public double Busy => Volatile.Read(ref _busy);

    /// <summary>Takes one reading and updates <see cref="Short"/>.</summary>
    public void Sample()
    {
        lock (_lock)
        {
            if (_read() is not { } now) return;
            if (_last is { } last && now.Total > last.Total)
            {
                var share = Math.Clamp((double)(now.Busy - last.Busy) / (now.Total - last.Total), 0, 1);
                var busy = last.Total == 0 ? share : _busy + Smoothing * (share - _busy);
                Volatile.Write(ref _busy, busy);
                if (!_short && busy >= _stepBackAbove) _short = true;
                else if (_short && busy < _stepBackAbove - Hysteresis) _short = false;
            }
            _last = now;
        }
    }

    public void Dispose() => _timer?.Dispose();
}

/// <summary>Cumulative CPU time: how much of it was busy, out of how much there was (any consistent unit).</summary>
public readonly record struct CpuTicks(long Busy, long Total);

/// <summary>Reads the host's CPU time: Linux's <c>/proc/stat</c>, else this process's own share of the machine.</summary>
public static class HostCpu
{
    private const string ProcStat = "/proc/stat";

    public static CpuTicks? Read() => File.Exists(ProcStat) ? FromProcStat() : FromProcess();

    /// <summary>The first line of <c>/proc/stat</c>: user nice system idle iowait irq softirq steal, in clock ticks.</summary>
    public static CpuTicks? ParseProcStat(string firstLine)
    {
        var fields = firstLine.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length < 9 || fields[0] != "cpu") return null;
        long total = 0, idle = 0;
        for (var i = 1; i <= 8; i++)
        {
            if (!long.TryParse(fields[i], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)) return null;
            total += ticks;
            // idle and iowait: a core waiting for the disk has time for other work.
            if (i is 4 or 5) idle += ticks;
        }
        return new CpuTicks(total - idle, total);
    }

    private static CpuTicks? FromProcStat()
    {
        try
        {
            using var reader = new StreamReader(ProcStat);
            return reader.ReadLine() is { } line ? ParseProcStat(line) : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static CpuTicks? FromProcess()
    {
        using var process = Process.GetCurrentProcess();
        var wall = Stopwatch.GetElapsedTime(0).Ticks * Environment.ProcessorCount;
        return new CpuTicks(process.TotalProcessorTime.Ticks, wall);
    }
}

/// <summary>"CallGrains:Readers": when change readers (webhook deliveries, live streams) step back for ingest.</summary>
public sealed class ReaderPriorityOptions
{
    public const string Section = "CallGrains:Readers";

    /// <summary>
    /// The smoothed share of the host's CPU above which readers step back (see <see cref="ReaderPace"/>); they resume
    /// 0.1 below it. Above 1 (the default): never. Off by default because on a host that is nearly busy at half load
    /// (bench/run's, with its load generator and receivers beside the node) readers stepped back there too and
    /// webhook lag grew to seconds; docs/benchmarks.md has the measured trade-off.
    /// </summary>
    [Range(0.0, 2.0)]
    public double StepBackAboveCpuBusy { get; set; } = Never;

    /// <summary>The default: readers never step back.</summary>
    public const double Never = 2.0;
}

/// <summary>How fast change readers go: at full speed with CPU to spare, held back while the host is short of it.</summary>
public sealed class ReaderPace(CpuHeadroom headroom)
{
    /// <summary>A subscription's sends in flight while the host is short of CPU.</summary>
    public const int ShortSends = 4;

    /// <summary>
    /// The pause a subscription takes after sends finish while the host is short: at most about 400 sends a second, a
    /// few percent of a core, so that a backlog still moves.
    /// </summary>
    public static readonly TimeSpan ShortSendPause = TimeSpan.FromMilliseconds(10);

    /// <summary>How long a live stream waits between reads while the host is short: at most one page (500 changes) a second.</summary>
    public static readonly TimeSpan ShortStreamPause = TimeSpan.FromSeconds(1);

    public bool SteppingBack => headroom.Short;

    /// <summary>How many sends a subscription may have in flight now, given its configured maximum.</summary>
    public int Sends(int configured) => headroom.Short ? Math.Min(ShortSends, configured) : configured;
}
