using System.Globalization;
using System.Text;
using CallGrains.PushSimulator;
using CallGrains.Tests.Shared;

namespace CallGrains.Cluster.Tests;

/// <summary>Where a call's grain lives in a cluster of co-hosted nodes.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PlacementTests(PostgresServer postgres)
{
    private const int CallsPerNode = 10;
    private const string Gauge = "callgrains_calls_in_progress";

    [Fact]
    public async Task A_new_calls_grain_activates_on_the_node_its_first_push_reached()
    {
        await using var cluster = await ClusterTopology.StartNodesAsync(postgres, nodes: 2);
        var calls = Calls(2 * CallsPerNode);

        for (var node = 0; node < 2; node++)
        {
            using var http = new HttpClient { BaseAddress = cluster.SiloUrl(node), Timeout = TimeSpan.FromSeconds(20) };
            foreach (var call in calls.Skip(node * CallsPerNode).Take(CallsPerNode))
            {
                using var pushed = await http.PostAsync("v1/huawei/status", new StringContent(call.StatusPushes[0], Encoding.UTF8, "application/json"));
                Assert.Equal(System.Net.HttpStatusCode.OK, pushed.StatusCode);
            }
        }

        // Each node's grains count the calls they hold (callgrains_calls_in_progress): all of its own, none of the other's.
        Assert.Equal(CallsPerNode, await CallsInProgressAsync(cluster.SiloUrl(0), CallsPerNode));
        Assert.Equal(CallsPerNode, await CallsInProgressAsync(cluster.SiloUrl(1), CallsPerNode));
    }

    private static List<SimulatedCall> Calls(int count)
    {
        var random = new Random(5);
        var runId = "placement-" + Guid.NewGuid().ToString("N")[..8];
        return [.. Enumerable.Range(0, count).Select(i => SimulatedCall.Create(i, Scenario.CallbackConnected, DateTime.UtcNow, runId, random))];
    }

    /// <summary>The node's gauge, scraped until it reads <paramref name="expected"/> or 20 s have passed (the exporter caches a scrape briefly).</summary>
    private static async Task<double> CallsInProgressAsync(Uri node, double expected)
    {
        using var http = new HttpClient { BaseAddress = node, Timeout = TimeSpan.FromSeconds(10) };
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            var value = (await http.GetStringAsync("metrics")).Split('\n')
                .Where(line => line.StartsWith(Gauge + "{", StringComparison.Ordinal) || line.StartsWith(Gauge + " ", StringComparison.Ordinal))
                .Sum(SampleValue);
            if (value == expected || DateTime.UtcNow > deadline) return value;
            await Task.Delay(500);
        }
    }

    /// <summary>A sample line is <c>name{labels} value [timestamp]</c>.</summary>
    private static double SampleValue(string line)
    {
        var afterName = line.Contains('}') ? line[(line.LastIndexOf('}') + 1)..] : line[Gauge.Length..];
        return double.Parse(afterName.Trim().Split(' ')[0], CultureInfo.InvariantCulture);
    }
}
