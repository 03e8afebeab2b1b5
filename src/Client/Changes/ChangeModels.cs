namespace CallGrains.Client;

/// <summary>
/// One change of the feed: the call view at <see cref="Version"/>. <see cref="Type"/> is <c>call.final</c> for the
/// change that made the call final, else <c>call.updated</c>.
/// </summary>
public sealed record Change(long Seq, string Type, string SessionId, int Version, string? UserData, DateTimeOffset At, Call Call)
{
    public const string Updated = "call.updated";
    public const string Final = "call.final";
}

/// <summary>One page of <c>GET /v1/changes</c>; pass <see cref="Next"/> as the next <c>after</c> to see every change once.</summary>
public sealed record ChangePage(IReadOnlyList<Change> Items, long Next);

/// <summary>The filters of the change feed; every one is optional.</summary>
public sealed record ChangeQuery
{
    /// <summary>Only changes after this seq (0: from the beginning). For the stream, null starts at the current end.</summary>
    public long? After { get; init; }
    /// <summary>1 to 500 (pages only); the service's default (100) when null.</summary>
    public int? Limit { get; init; }
    public string? UserData { get; init; }
    /// <summary><see cref="Change.Updated"/> or <see cref="Change.Final"/>.</summary>
    public string? Type { get; init; }
}
