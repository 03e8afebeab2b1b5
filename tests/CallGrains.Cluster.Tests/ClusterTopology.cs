using System.Globalization;
using CallGrains.Tests.Shared;
using static CallGrains.Tests.Shared.ServiceProcess;
using static CallGrains.Tests.Shared.LoopbackPorts;

namespace CallGrains.Cluster.Tests;

/// <summary>
/// The docker-compose.yml cluster without Docker: a database, the schema step, and N co-hosted nodes (the API program,
/// each a silo serving the HTTP API, as compose starts node1 and node2) behind a load balancer (<see cref="NodeBalancer"/>),
/// each its own process with the same command and environment variables as the compose services. Or the alternative
/// topology: grain-only silos (the Silo program) and a separate API tier (<c>CallGrains:Cluster:Role=api</c>).
/// </summary>
public sealed class ClusterTopology : IAsyncDisposable
{
    /// <summary>Cluster mode refuses to start with the business endpoints open; the tests read views with this key.</summary>
    public const string ApiKey = "cluster-test-key";

    private readonly Dictionary<string, string> _environment;
    private readonly Role _siloRole;
    private readonly List<(int SiloPort, int GatewayPort, int HttpPort)> _siloPorts = [];
    private readonly int _apiPort = FreePort();

    private ClusterTopology(string connectionString, Role siloRole)
    {
        _siloRole = siloRole;
        _environment = new Dictionary<string, string>
        {
            ["ConnectionStrings__CallGrains"] = connectionString,
            ["CallGrains__Cluster__ClusterId"] = "callgrains-test",
            ["CallGrains__Cluster__ServiceId"] = "callgrains-test",
            ["CallGrains__Cluster__AdvertisedAddress"] = "127.0.0.1",
            ["Logging__LogLevel__Default"] = "Warning",
            ["CallGrains__ApiKeys__0"] = ApiKey,
        };
    }

    /// <summary>Every process with a silo in it: the nodes, or the grain-only silos behind an API tier.</summary>
    public ServiceProcess?[] Silos { get; private set; } = [];

    /// <summary>The separate API tier; none in the node topology.</summary>
    public ServiceProcess? Api { get; private set; }

    /// <summary>Where requests go: every node, or the API tier.</summary>
    public IReadOnlyList<Uri> Entrances => _siloRole == Role.Api
        ? [.. Enumerable.Range(0, _siloPorts.Count).Select(SiloUrl)]
        : [new Uri($"http://127.0.0.1:{_apiPort}/")];

    /// <summary>Silo <paramref name="index"/>'s own HTTP endpoint: a node's API, or a grain-only silo's /metrics, /health/*, /dashboard.</summary>
    public Uri SiloUrl(int index) => new($"http://127.0.0.1:{_siloPorts[index].HttpPort}/");

    /// <summary>The default topology: <paramref name="nodes"/> co-hosted nodes.</summary>
    /// <param name="settings">Extra environment for every process, as a deployment would set it.</param>
    public static Task<ClusterTopology> StartNodesAsync(PostgresServer postgres, int nodes, IReadOnlyDictionary<string, string>? settings = null) =>
        StartAsync(postgres, Role.Api, nodes, settings);

    /// <summary>The alternative: <paramref name="silos"/> grain-only silos and one API process as an Orleans client of them.</summary>
    public static Task<ClusterTopology> StartApiTierAsync(PostgresServer postgres, int silos, IReadOnlyDictionary<string, string>? settings = null) =>
        StartAsync(postgres, Role.Silo, silos, settings);

    private static async Task<ClusterTopology> StartAsync(PostgresServer postgres, Role siloRole, int silos, IReadOnlyDictionary<string, string>? settings)
    {
        var topology = new ClusterTopology(await postgres.CreateDatabaseAsync(), siloRole);
        foreach (var (key, value) in settings ?? new Dictionary<string, string>()) topology._environment[key] = value;
        var (exitCode, output) = await RunAsync(Role.Silo, topology._environment, "migrate");
        Assert.True(exitCode == 0, "schema step failed: " + output);
        for (var i = 0; i < silos; i++) topology._siloPorts.Add((FreePort(), FreePort(), FreePort()));
        topology.Silos = new ServiceProcess?[silos];
        for (var i = 0; i < silos; i++) topology.StartSilo(i);
        if (siloRole == Role.Silo) topology.StartApi();
        await topology.WaitUntilReadyAsync();
        return topology;
    }

    public void StartSilo(int index)
    {
        var (siloPort, gatewayPort, _) = _siloPorts[index];
        // Compose gives the processes that hold grains (nodes, grain-only silos) its grain-host GC; the API tier keeps the default.
        var environment = new Dictionary<string, string>(GrainHostGc);
        foreach (var (key, value) in _environment) environment[key] = value;
        environment["CallGrains__Cluster__SiloPort"] = siloPort.ToString(CultureInfo.InvariantCulture);
        environment["CallGrains__Cluster__GatewayPort"] = gatewayPort.ToString(CultureInfo.InvariantCulture);
        environment["ASPNETCORE_URLS"] = SiloUrl(index).ToString().TrimEnd('/');
        Silos[index] = Start(_siloRole, environment);
    }

    /// <summary>The separate API tier (API topology only).</summary>
    public void StartApi() =>
        Api = Start(Role.Api, new Dictionary<string, string>(_environment)
        {
            ["CallGrains__Cluster__Role"] = "api",
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{_apiPort}",
        });

    /// <summary>A client of the cluster with the business key, through the load balancer when there are nodes.</summary>
    public HttpClient Client(int connectionsPerEntrance)
    {
        var http = NodeBalancer.Client(Entrances, connectionsPerEntrance);
        http.DefaultRequestHeaders.Authorization = new("Bearer", ApiKey);
        return http;
    }

    /// <summary>Until every running entrance is ready (a killed node is not waited for).</summary>
    public async Task WaitUntilReadyAsync()
    {
        var entrances = _siloRole == Role.Api
            ? Enumerable.Range(0, Silos.Length).Where(i => Silos[i] is { HasExited: false }).Select(SiloUrl)
            : Entrances;
        foreach (var entrance in entrances) await ServiceProcess.WaitUntilReadyAsync(entrance, Diagnostics);
    }

    private string Diagnostics() =>
        (Api is null ? "" : "API:\n" + Api.Output + "\n") + "Silos:\n" + string.Join("\n---\n", Silos.Select(s => s?.Output));

    public async ValueTask DisposeAsync()
    {
        if (Api is not null) await Api.DisposeAsync();
        foreach (var silo in Silos)
            if (silo is not null) await silo.DisposeAsync();
    }
}
