using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using CallGrains.Tests.Shared;
using static CallGrains.Tests.Shared.LoopbackPorts;

namespace CallGrains.Cluster.Tests;

/// <summary>
/// A webhook receiver on a loopback port that answers 200 and remembers which (session, version) arrived, in
/// arrival order: enough to tell whether a change was lost or a session's changes came out of order.
/// </summary>
public sealed class ChangeReceiver : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly ConcurrentDictionary<(string, int), bool> _received = new();
    private readonly ConcurrentDictionary<string, int> _lastVersion = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private int _deliveries;
    private volatile bool _outOfOrder;

    public ChangeReceiver()
    {
        Url = $"http://127.0.0.1:{FreePort()}/hooks/";
        _listener.Prefixes.Add(Url);
        _listener.Start();
        _ = Task.Run(ServeAsync);
    }

    public string Url { get; }

    public ICollection<(string, int)> Received => _received.Keys;

    public int Deliveries => _deliveries;

    /// <summary>False once a session's change arrived for the first time after a later version of it had.</summary>
    public bool InVersionOrderPerSession => !_outOfOrder;

    private async Task ServeAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
            using (var body = await JsonDocument.ParseAsync(context.Request.InputStream))
            {
                var change = body.RootElement.GetProperty("data");
                var key = (change.GetProperty("sessionId").GetString()!, change.GetProperty("version").GetInt32());
                Interlocked.Increment(ref _deliveries);
                if (_received.TryAdd(key, true))
                {
                    var last = _lastVersion.AddOrUpdate(key.Item1, key.Item2, (_, held) => Math.Max(held, key.Item2));
                    if (last > key.Item2) _outOfOrder = true;
                }
            }
            context.Response.StatusCode = 200;
            context.Response.Close();
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        _listener.Close();
    }
}
