using System.Globalization;
using System.Net;
using System.Net.Sockets;
using CallGrains.Tests.Shared;
using static CallGrains.Tests.Shared.ServiceProcess;

namespace CallGrains.Bench;

/// <summary>CallGrains as it is deployed: an API process, and for PostgreSQL a silo process, each started with environment variables.</summary>
public sealed class Deployment : IAsyncDisposable, ILoadTarget
{
    public const string ApiKey = "bench-key";

    private readonly List<ServiceProcess> _processes = [];

    private Deployment(Uri url) => Url = url;

    public Uri Url { get; }
    public ServiceProcess? Silo { get; private set; }
    public ServiceProcess Api { get; private set; } = null!;

    /// <summary>
    /// Settings the bench passes that users would not: a webhook receiver on loopback (the bench's own) is refused
    /// otherwise. Logging stays as shipped in appsettings.json.
    /// </summary>
    /// <remarks>`--setting KEY=VALUE` adds one, for experiments (printed at the start of the run).</remarks>
    public static readonly Dictionary<string, string> BenchSettings = new()
    {
        ["CallGrains__Webhooks__AllowPrivateTargets"] = "true",
    };

    public static async Task<Deployment> EmbeddedAsync()
    {
        var port = FreePort();
        var deployment = new Deployment(new Uri($"http://127.0.0.1:{port}/"));
        deployment.Api = deployment.Track(Start(Role.Api, new Dictionary<string, string>(BenchSettings)
        {
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
            ["CallGrains__Embedded__SiloPort"] = Text(FreePort()),
            ["CallGrains__Embedded__GatewayPort"] = Text(FreePort()),
        }));
        await deployment.WaitUntilReadyAsync();
        return deployment;
    }

    public static async Task<Deployment> OnPostgresAsync(string connectionString, IReadOnlyDictionary<string, string>? siloSettings = null)
    {
        var cluster = new Dictionary<string, string>(BenchSettings)
        {
            ["ConnectionStrings__CallGrains"] = connectionString,
            ["CallGrains__Cluster__ClusterId"] = "bench-" + Guid.NewGuid().ToString("N")[..8],
            ["CallGrains__Cluster__ServiceId"] = "bench",
            ["CallGrains__Cluster__AdvertisedAddress"] = "127.0.0.1",
            ["CallGrains__ApiKeys__0"] = ApiKey,
        };
        var (exitCode, output) = await RunAsync(Role.Silo, cluster, "migrate");
        if (exitCode != 0) throw new InvalidOperationException("schema step failed: " + output);

        var port = FreePort();
        var deployment = new Deployment(new Uri($"http://127.0.0.1:{port}/"));
        var silo = new Dictionary<string, string>(cluster)
        {
            ["CallGrains__Cluster__SiloPort"] = Text(FreePort()),
            ["CallGrains__Cluster__GatewayPort"] = Text(FreePort()),
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{FreePort()}",
        };
        foreach (var (key, value) in siloSettings ?? new Dictionary<string, string>()) silo[key] = value;
        deployment.Silo = deployment.Track(Start(Role.Silo, silo));
        deployment.Api = deployment.Track(Start(Role.Api, new Dictionary<string, string>(cluster) { ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}" }));
        await deployment.WaitUntilReadyAsync();
        return deployment;
    }

    public HttpClient Client(int connections) => new(new SocketsHttpHandler { MaxConnectionsPerServer = connections })
    {
        BaseAddress = Url,
        Timeout = TimeSpan.FromSeconds(30),
        DefaultRequestHeaders = { Authorization = new("Bearer", ApiKey) },
    };

    /// <summary>Resident memory of a process, from /proc (Linux).</summary>
    public static long ResidentBytes(ServiceProcess process)
    {
        foreach (var line in File.ReadLines($"/proc/{process.Id}/status"))
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
        throw new InvalidOperationException("no VmRSS");
    }

    /// <summary>CPU time a process has used so far (user + system), from /proc (Linux).</summary>
    public static TimeSpan CpuTime(int processId)
    {
        var fields = StatFields(processId);
        return Ticks(fields[11], fields[12]);
    }

    /// <summary>The bench's PostgreSQL server (its postmaster): only its processes are counted, not other servers on the host.</summary>
    public static int PostmasterId { get; set; }

    /// <summary>
    /// CPU time of the bench's PostgreSQL server: the postmaster, its live children (backends, writers), and the children
    /// that have ended (counted in the postmaster's reaped-children time), so that a closed connection's work is not lost.
    /// </summary>
    public static TimeSpan PostgresCpuTime()
    {
        if (PostmasterId == 0) return TimeSpan.Zero;
        var fields = StatFields(PostmasterId);
        var total = Ticks(fields[11], fields[12], fields[13], fields[14]);
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            try
            {
                var child = StatFields(pid);
                if (child[1] == PostmasterId.ToString(CultureInfo.InvariantCulture)) total += Ticks(child[11], child[12]);
            }
            catch (IOException)
            {
                // the process ended while we looked
            }
        }
        return total;
    }

    /// <summary>The parent of a server process of the connection's server: its postmaster.</summary>
    public static int ParentOf(int processId) => int.Parse(StatFields(processId)[1], CultureInfo.InvariantCulture);

    // Fields after the command name (which may hold spaces, so split after its closing parenthesis): [0] state, [1] ppid,
    // [11] utime, [12] stime, [13] cutime, [14] cstime.
    private static string[] StatFields(int processId)
    {
        var stat = File.ReadAllText($"/proc/{processId}/stat");
        return stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
    }

    private static TimeSpan Ticks(params string[] values) =>
        TimeSpan.FromSeconds(values.Sum(v => long.Parse(v, CultureInfo.InvariantCulture)) / 100.0); // USER_HZ is 100 on Linux

    private Task WaitUntilReadyAsync() =>
        ServiceProcess.WaitUntilReadyAsync(Url, () => string.Join("\n---\n", _processes.Select(p => p.Output)));

    private ServiceProcess Track(ServiceProcess process)
    {
        _processes.Add(process);
        return process;
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);

    public async ValueTask DisposeAsync()
    {
        foreach (var process in _processes) await process.DisposeAsync();
    }
}
