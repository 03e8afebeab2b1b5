using CallGrains.Bench.Anchors;

// What the bench compares CallGrains' ingest with, each run as its own process under the same load:
//   ceiling          bare Kestrel that reads and parses each push and answers the ack, storing nothing
//   plain-receiver   ASP.NET Core + Npgsql as a straightforward app writes it: one transaction per push
//                    (connection string in ConnectionStrings__Anchor)
// The URL comes from ASPNETCORE_URLS; GET /health/ready answers once it listens, as CallGrains' does.
var mode = args.FirstOrDefault();
if (mode is not (HttpCeiling.Mode or PlainReceiver.Mode))
{
    Console.Error.WriteLine($"usage: CallGrains.Bench.Anchors {HttpCeiling.Mode}|{PlainReceiver.Mode}");
    return 2;
}

var app = AnchorHost.Build(args[1..]);
if (mode == HttpCeiling.Mode) app.MapHttpCeiling();
else await app.MapPlainReceiverAsync();
await app.RunAsync();
return 0;
