namespace CallGrains.Bench;

/// <summary>
/// Two co-hosted nodes of one cluster on this machine, as compose's node1 and node2, the load spread over both by
/// round robin per request as a load balancer spreads it (so about half of a call's pushes reach the node its grain
/// does not live on and cost a silo-to-silo grain call). Measured like one node: the best of the same in-flight counts.
/// On 2 cores no speed-up is expected; the figure is there to catch a topology that fights itself.
/// </summary>
public static class TwoNodes
{
    public static async Task<(double Rate, int Concurrency, long Missing)> RunAsync(string connectionString, int warmUpSeconds, int seconds)
    {
        await using var nodes = await Deployment.OnPostgresAsync(connectionString, nodes: 2);
        await Load.RunAsync(nodes, concurrency: 64, rate: 0, warmUpSeconds, verify: false); // warm-up: JIT, pools, activations
        var best = (Rate: 0.0, Concurrency: 0);
        var missing = 0L;
        foreach (var concurrency in Load.InFlightSteps)
        {
            var cpu = CpuSample.Take(nodes);
            var run = await Load.RunAsync(nodes, concurrency, rate: 0, seconds, verify: false);
            var used = CpuSample.Take(nodes) - cpu;
            var verification = await Load.VerifyAsync(nodes, run.Calls);
            missing += verification.MissingItems;
            Console.WriteLine($"  two nodes, requests in turn, {concurrency,3} in flight: {run.Traffic.AcknowledgedPerSecond,7:F0}/s, " +
                              $"{run.Traffic.Latency}{run.Traffic.Unacknowledged}, missing {verification.MissingItems}; " + used.PerPush(run.Traffic.PushesSent, run.Traffic.Seconds));
            if (run.Traffic.AcknowledgedPerSecond > best.Rate) best = (run.Traffic.AcknowledgedPerSecond, concurrency);
        }
        return (best.Rate, best.Concurrency, missing);
    }
}
