using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using CallGrains.PushSimulator;

if (args.Contains("--help") || args.Contains("-h"))
{
    Console.WriteLine(SimulatorOptions.Usage);
    return 0;
}

SimulatorOptions options;
try
{
    options = SimulatorOptions.Parse(args);
}
catch (Exception ex) when (ex is ArgumentException or FormatException)
{
    Console.Error.WriteLine(ex.Message);
    Console.Error.WriteLine(SimulatorOptions.Usage);
    return 2;
}

using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = options.Concurrency, PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
{
    BaseAddress = new Uri(options.Url.ToString().TrimEnd('/') + "/"),
    Timeout = TimeSpan.FromSeconds(30),
};
if (options.ApiKey is not null) http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", options.ApiKey);

var run = new TrafficRun(options, http);
var traffic = await run.RunAsync(CancellationToken.None);
var verification = options.Verify ? await new Verifier(http, options.Concurrency).VerifyAsync(run.Calls, CancellationToken.None) : null;

if (options.Json)
{
    Console.WriteLine(JsonSerializer.Serialize(new { traffic, verification, ackPerSecond = traffic.AcknowledgedPerSecond }, JsonSerializerOptions.Web));
}
else
{
    var c = CultureInfo.InvariantCulture;
    Console.WriteLine(string.Create(c, $"calls {traffic.Calls}, pushes sent {traffic.PushesSent} (duplicates {traffic.DuplicatesSent}), status pushes dropped {traffic.StatusDropped}"));
    Console.WriteLine(string.Create(c, $"acknowledged {traffic.PushesAcknowledged} in {traffic.Seconds:F1} s = {traffic.AcknowledgedPerSecond:F0} pushes/s"));
    Console.WriteLine(string.Create(c, $"ack latency ms {traffic.LatencyOrigin}: p50 {traffic.LatencyMs.P50:F1}  p90 {traffic.LatencyMs.P90:F1}  p99 {traffic.LatencyMs.P99:F1}  max {traffic.LatencyMs.Max:F1}"));
    if (traffic.Schedule is { } schedule) Console.WriteLine("schedule: " + schedule);
    Console.WriteLine("responses: " + TrafficFigures.Answers(traffic.StatusCodes));
    if (verification is not null)
    {
        Console.WriteLine($"verified {verification.CallsChecked} calls: acknowledged items {verification.AcknowledgedItems}, found {verification.FoundItems}, missing {verification.MissingItems}; not final {verification.NotFinal}, wrong outcome {verification.WrongOutcome}");
        foreach (var example in verification.Examples) Console.WriteLine("  " + example);
    }
}
return verification is { Passed: false } ? 1 : 0;
