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
    Task<RecordResult> RecordAsync(PushItem item);

    /// <summary>The call view as contract JSON (without its request), or null when no push was ever stored.</summary>
    [ReadOnly]
    Task<string?> GetViewJsonAsync();
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

    public static ICallSessionGrain GetCallSession(this IGrainFactory grains, string sessionId) =>
        grains.GetGrain<ICallSessionGrain>(For(sessionId));
}
