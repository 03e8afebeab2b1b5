namespace CallGrains.Bench;

/// <summary>Whatever the simulator's load is sent to: CallGrains as deployed, or one of the anchors it is compared with.</summary>
public interface ILoadTarget
{
    /// <summary>A client with at most <paramref name="connections"/> connections: the load's in-flight count.</summary>
    HttpClient Client(int connections);
}
