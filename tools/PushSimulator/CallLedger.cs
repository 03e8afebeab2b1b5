using System.Collections.Concurrent;

namespace CallGrains.PushSimulator;

/// <summary>What the service acknowledged for one call: the exact item texts it must now reflect.</summary>
public sealed class CallLedger(SimulatedCall call)
{
    // Item text -> when it was first acknowledged (Stopwatch timestamp), for delivery lag measured from the acknowledgement.
    private readonly ConcurrentDictionary<string, long> _acknowledged = new(StringComparer.Ordinal);

    public SimulatedCall Call { get; } = call;
    public string CdrJson { get; } = call.Cdr.ToJsonString();
    public bool CdrAcknowledged { get; private set; }
    public IEnumerable<string> AcknowledgedItems => _acknowledged.Keys;

    /// <summary>When <paramref name="item"/> was first acknowledged, as a <see cref="System.Diagnostics.Stopwatch"/> timestamp; null if never.</summary>
    public long? AcknowledgedAt(string item) => _acknowledged.TryGetValue(item, out var at) ? at : null;

    public void Acknowledge(string item, bool isCdr, long at)
    {
        _acknowledged.TryAdd(item, at);
        if (isCdr) CdrAcknowledged = true;
    }
}
