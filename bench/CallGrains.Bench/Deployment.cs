using System.Globalization;
using System.Net;
using System.Net.Sockets;
using CallGrains.Tests.Shared;
using static CallGrains.Tests.Shared.ServiceProcess;
using static CallGrains.Tests.Shared.LoopbackPorts;

namespace CallGrains.Bench;

/// <summary>
/// CallGrains as it is deployed, each process started with the command and environment variables docker-compose.yml
/// gives it: the API program alone (embedded), or on PostgreSQL one or more co-hosted nodes (the same program, each a
/// silo serving the HTTP API), the load spread over them as a load balancer would.
/// </summary>
public sealed class Deployment : IAsyncDisposable, ILoadTarget
{
    public const string ApiKey = "bench-key";

    private readonly List<ServiceProcess> _nodes = [];
    private readonly List<Uri> _urls = [];

    private Deployment()
    {
    }

    /// <summary>The first node's address (the only one in every step but the two-node one).</summary>
    public Uri Url => _urls[0];

    /// <summary>Every CallGrains process of the deployment: the embedded API, or each node.</summary>
    public IReadOnlyList<ServiceProcess> Nodes => _nodes;

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
        var deployment = new Deployment();
        deployment.StartNode(new Dictionary<string, string>(BenchSettings)
        {
            ["CallGrains__Embedded__SiloPort"] = Text(FreePort()),
            ["CallGrains__Embedded__GatewayPort"] = Text(FreePort()),
        });
        await deployment.WaitUntilReadyAsync();
        return deployment;
    }

    /// <param name="settings">More environment for every node (an experiment's).</param>
    /// <param name="nodes">Co-hosted nodes of one cluster, as compose's node1, node2.</param>
    public static async Task<Deployment> OnPostgresAsync(string connectionString, IReadOnlyDictionary<string, string>? settings = null, int nodes = 1)
    {
        // As compose's nodes: its grain-host GC first, so that an experiment's --setting can still replace it.
        var cluster = new Dictionary<string, string>(ServiceProcess.GrainHostGc);
        foreach (var (key, value) in BenchSettings) cluster[key] = value;
        cluster["ConnectionStrings__CallGrains"] = connectionString;
        cluster["CallGrains__Cluster__ClusterId"] = "bench-" + Guid.NewGuid().ToString("N")[..8];
        cluster["CallGrains__Cluster__ServiceId"] = "bench";
        cluster["CallGrains__Cluster__AdvertisedAddress"] = "127.0.0.1";
        cluster["CallGrains__ApiKeys__0"] = ApiKey;
        var (exitCode, output) = await RunAsync(Role.Silo, cluster, "migrate");
        if (exitCode != 0) throw new InvalidOperationException("schema step failed: " + output);

        foreach (var (key, value) in settings ?? new Dictionary<string, string>()) cluster[key] = value;
        var deployment = new Deployment();
        for (var i = 0; i < nodes; i++)
            deployment.StartNode(new Dictionary<string, string>(cluster)
            {
                ["CallGrains__Cluster__SiloPort"] = Text(FreePort()),
                ["CallGrains__Cluster__GatewayPort"] = Text(FreePort()),
            });
        await deployment.WaitUntilReadyAsync();
        return deployment;
    }

    /// <summary>A client whose requests go to the nodes in turn (to the only one, mostly), at most <paramref name="connections"/> per node.</summary>
    public HttpClient Client(int connections)
    {
        var http = NodeBalancer.Client(_urls, PlatformAddresses.Handler(connections));
        http.DefaultRequestHeaders.Authorization = new("Bearer", ApiKey);
        return http;
    }

    /// <summary>Runs <paramref name="work"/> and tells what the nodes counted meanwhile (their /metrics after less before).</summary>
    public async Task<(T Result, NodeMetrics During)> WithNodeMetricsAsync<T>(Func<Task<T>> work)
    {
        var before = await MetricsAsync();
        var result = await work();
        return (result, await MetricsAsync() - before);
    }

    /// <summary>Every node's /metrics now, summed over the nodes.</summary>
    public async Task<NodeMetrics> MetricsAsync()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var lines = new List<string>();
        foreach (var url in _urls)
        {
            var text = await http.GetStringAsync(new Uri(url, "metrics"));
            if (!text.Contains(NodeMetrics.GcPauseSeconds, StringComparison.Ordinal))
                throw new InvalidOperationException($"{url}metrics has no {NodeMetrics.GcPauseSeconds}");
            lines.AddRange(text.Split('\n'));
        }
        return new NodeMetrics(lines);
    }

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

    /// <summary>CPU of this process's children that have ended and been waited for (a tool run to its end, as pgbench).</summary>
    public static TimeSpan EndedChildrenCpuTime()
    {
        var fields = StatFields(Environment.ProcessId);
        return Ticks(fields[13], fields[14]);
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

    private async Task WaitUntilReadyAsync()
    {
        foreach (var url in _urls)
            await ServiceProcess.WaitUntilReadyAsync(url, () => string.Join("\n---\n", _nodes.Select(p => p.Output)));
    }

    private void StartNode(Dictionary<string, string> environment)
    {
        var url = new Uri($"http://127.0.0.1:{FreePort()}/");
        environment["ASPNETCORE_URLS"] = url.ToString().TrimEnd('/');
        _nodes.Add(Start(Role.Api, environment));
        _urls.Add(url);
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);

    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes) await node.DisposeAsync();
    }
}
