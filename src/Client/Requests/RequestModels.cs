namespace CallGrains.Client;

/// <summary>What <c>PUT /v1/requests/{userData}</c> registers: the business request calls with that userData belong to.</summary>
public sealed record BusinessRequest(string Kind, string BusinessId, IReadOnlyDictionary<string, string>? Attributes = null);

/// <summary>A request with its calls (<c>GET /v1/requests/{userData}</c>).</summary>
public sealed record RequestView(
    string UserData,
    bool Registered,
    string? Kind,
    string? BusinessId,
    IReadOnlyDictionary<string, string>? Attributes,
    IReadOnlyList<CallSummary> Calls,
    string? Outcome,
    bool Answered,
    DateTimeOffset? RegisteredAt = null,
    bool CallsTruncated = false);

public sealed record CallSummary(string SessionId, string Status, string? Outcome, bool Final, DateTimeOffset? UpdatedAt, int Version = 0);

/// <summary>The answer of a registration: the request, and whether it was new.</summary>
public sealed record Registration(RequestView Request, bool Created);

internal sealed record RequestList(IReadOnlyList<RequestView> Items);
