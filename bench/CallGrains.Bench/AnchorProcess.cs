using CallGrains.Tests.Shared;
using static CallGrains.Tests.Shared.LoopbackPorts;

namespace CallGrains.Bench;

/// <summary>One of bench/CallGrains.Bench.Anchors' receivers, run as its own process on loopback.</summary>
public sealed class AnchorProcess : ILoadTarget, IAsyncDisposable
{
    private AnchorProcess(ServiceProcess process, Uri url) => (Process, Url) = (process, url);

    public ServiceProcess Process { get; }
    public Uri Url { get; }

    /// <param name="mode"><c>ceiling</c> or <c>plain-receiver</c>.</param>
    public static async Task<AnchorProcess> StartAsync(string mode, IReadOnlyDictionary<string, string>? settings = null)
    {
        var port = FreePort();
        var environment = new Dictionary<string, string>(settings ?? new Dictionary<string, string>())
        {
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
        };
        var dll = ServiceProcess.BuiltDll(Path.Combine("bench", "CallGrains.Bench.Anchors"), "CallGrains.Bench.Anchors");
        var anchor = new AnchorProcess(ServiceProcess.Start(dll, environment, mode), new Uri($"http://127.0.0.1:{port}/"));
        try
        {
            await ServiceProcess.WaitUntilReadyAsync(anchor.Url, () => anchor.Process.Output);
        }
        catch
        {
            await anchor.DisposeAsync();
            throw;
        }
        return anchor;
    }

    public HttpClient Client(int connections) => new(PlatformAddresses.Handler(connections))
    {
        BaseAddress = Url,
        Timeout = TimeSpan.FromSeconds(30),
    };

    public ValueTask DisposeAsync() => Process.DisposeAsync();
}
