using System.Collections.Concurrent;

namespace CallGrains.PushSimulator;

/// <summary>What the service acknowledged for one call: the exact item texts it must now reflect.</summary>
public sealed class CallLedger(SimulatedCall call)
{
    private readonly ConcurrentDictionary<string, byte> _acknowledged = new(StringComparer.Ordinal);

    public SimulatedCall Call { get; } = call;
    public string CdrJson { get; } = call.Cdr.ToJsonString();
    public bool CdrAcknowledged { get; private set; }
    public IEnumerable<string> AcknowledgedItems => _acknowledged.Keys;

    public void Acknowledge(string item, bool isCdr)
    {
        _acknowledged.TryAdd(item, 0);
        if (isCdr) CdrAcknowledged = true;
    }
}
