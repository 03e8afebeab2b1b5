using CallGrains.Domain.Calls;
using CallGrains.Domain.Pushes;
using Orleans.Concurrency;

namespace CallGrains.Sessions;

/// <summary>
/// One call (Huawei session). Folds the call's pushes into its view, one push at a time.
/// Keyed by <see cref="CallSessionKey.For"/>, never by the raw session id.
/// </summary>
public interface ICallSessionGrain : IGrainWithStringKey
{
    /// <summary>
    /// Journals the item and upserts the call's projection row, unless the session already holds an
    /// item with the same identity (then nothing is written). Completes only after the store committed.
    /// </summary>
    /// <remarks>Immutable: the item and its reading are never changed after parsing, so an in-process call shares them.</remarks>
    Task<RecordResult> RecordAsync([Immutable] PushItem item);

    /// <summary>
    /// Folds every pending journal item of the session that this activation does not hold, writing the projection and
    /// one change per new version, exactly as <see cref="RecordAsync"/> would have; returns how many it folded.
    /// </summary>
    /// <remarks>Asked by <c>CatchUpNudges</c> after a node journaled items without this grain (its silo died, or the store came back).</remarks>
    Task<int> CatchUpAsync();

    /// <summary>
    /// Re-derivation after an upgrade of the fold: when the call's row was written by an older fold, compares it with what
    /// this build's fold makes of the journal, and rewrites it (a new version, with its change) only if the view differs.
    /// </summary>
    /// <remarks>Asked by the reprojection job and the <c>reproject</c> command; an activation does the same by itself.</remarks>
    Task<ReprojectOutcome> ReprojectAsync();

    /// <summary>The call view (without its request), or null when no push was ever stored.</summary>
    /// <remarks>Typed, so the API writes it to the response once; a fresh view per call, so an in-process caller shares it.</remarks>
    [ReadOnly]
    [return: Immutable]
    Task<CallView?> GetViewAsync();
}

/// <summary>What recording an item did: <see cref="Duplicate"/> items wrote nothing.</summary>
[GenerateSerializer, Immutable, Alias("callgrains.record-result")]
public sealed record RecordResult(
    [property: Id(0)] bool Duplicate,
    [property: Id(1)] bool ChangedView,
    [property: Id(2)] int Version);

public static class CallSessionKey
{
    // Orleans' ADO.NET storage hashes string keys that look like numbers differently; a prefix keeps every key a plain string.
    public const string Prefix = "s:";

    public static string For(string sessionId) => Prefix + sessionId;

    public static string SessionIdOf(string grainKey) =>
        grainKey.StartsWith(Prefix, StringComparison.Ordinal) ? grainKey[Prefix.Length..] : grainKey;

    /// <remarks>
    /// Orleans resolves an interface's type from its name on every <c>GetGrain&lt;T&gt;</c> (type-name parsing and
    /// formatting: 1.3 % of the embedded node's CPU per push). Both types are fixed by convention, so the first
    /// reference's are kept and every later one is made from them.
    /// </remarks>
    public static ICallSessionGrain GetCallSession(this IGrainFactory grains, string sessionId)
    {
        if (Volatile.Read(ref s_types) is { } types)
            return (ICallSessionGrain)grains.GetGrain(GrainId.Create(types.Grain, For(sessionId)), types.Interface);
        var grain = grains.GetGrain<ICallSessionGrain>(For(sessionId));
        var reference = (GrainReference)grain;
        // An object, not a struct: a reader never sees half of it.
        Volatile.Write(ref s_types, new SessionTypes(reference.GrainId.Type, reference.InterfaceType));
        return grain;
    }

    private static SessionTypes? s_types;

    private sealed record SessionTypes(GrainType Grain, GrainInterfaceType Interface);
}
