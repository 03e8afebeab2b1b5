using CallGrains.Tests.Shared;
using static CallGrains.Tests.Shared.ServiceProcess;

namespace CallGrains.Cluster.Tests;

/// <summary>
/// The docker-compose.yml cluster without Docker: a database, the schema step, N silos and the API, each
/// its own process with the same commands and environment variables as the compose services.
/// </summary>
public sealed class ClusterTopology : IAsyncDisposable
{
    /// <summary>Cluster mode refuses to start with the business endpoints open; the tests read views with this key.</summary>
    public const string ApiKey = "cluster-test-key";

    private readonly Dictionary<string, string> _environment;
    private readonly List<(int SiloPort, int GatewayPort, int HttpPort)> _siloPorts = [];
    private readonly int _apiPort = FreePort();

    private ClusterTopology(string connectionString)
    {
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

    public ServiceProcess?[] Silos { get; private set; } = [];
    public ServiceProcess? Api { get; private set; }
    public Uri ApiUrl => new($"http://127.0.0.1:{_apiPort}/");

    /// <summary>Silo <paramref name="index"/>'s own HTTP endpoint: /metrics, /health/*, /dashboard.</summary>
    public Uri SiloUrl(int index) => new($"http://127.0.0.1:{_siloPorts[index].HttpPort}/");

    /// <param name="settings">Extra environment for every process, as a deployment would set it.</param>
    public static async Task<ClusterTopology> StartAsync(PostgresServer postgres, int silos, IReadOnlyDictionary<string, string>? settings = null)
    {
        var topology = new ClusterTopology(await postgres.CreateDatabaseAsync());
        foreach (var (key, value) in settings ?? new Dictionary<string, string>()) topology._environment[key] = value;
        var (exitCode, output) = await RunAsync(Role.Silo, topology._environment, "migrate");
        Assert.True(exitCode == 0, "schema step failed: " + output);
        for (var i = 0; i < silos; i++) topology._siloPorts.Add((FreePort(), FreePort(), FreePort()));
        topology.Silos = new ServiceProcess?[silos];
        for (var i = 0; i < silos; i++) topology.StartSilo(i);
        topology.StartApi();
        await topology.WaitUntilReadyAsync();
        return topology;
    }

    public void StartSilo(int index)
    {
        var (siloPort, gatewayPort, httpPort) = _siloPorts[index];
        Silos[index] = Start(Role.Silo, new Dictionary<string, string>(_environment)
        {
            ["CallGrains__Cluster__SiloPort"] = siloPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["CallGrains__Cluster__GatewayPort"] = gatewayPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["ASPNETCORE_URLS"] = SiloUrl(index).ToString().TrimEnd('/'),
        });
    }

    public void StartApi() =>
        Api = Start(Role.Api, new Dictionary<string, string>(_environment) { ["ASPNETCORE_URLS"] = ApiUrl.ToString().TrimEnd('/') });

    public Task WaitUntilReadyAsync() => ServiceProcess.WaitUntilReadyAsync(ApiUrl,
        () => "API:\n" + Api?.Output + "\nSilos:\n" + string.Join("\n---\n", Silos.Select(s => s?.Output)));

    public async ValueTask DisposeAsync()
    {
        if (Api is not null) await Api.DisposeAsync();
        foreach (var silo in Silos)
            if (silo is not null) await silo.DisposeAsync();
    }
}
