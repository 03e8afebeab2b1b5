using System.Globalization;
using CallGrains.Api.Operations;
using CallGrains.Domain.Changes;
using CallGrains.Storage;

namespace CallGrains.Api.Changes;

/// <summary>The query string of GET /v1/changes and /v1/changes/stream, checked into a <see cref="ChangeQuery"/>.</summary>
public sealed record ChangeListParameters
{
    public string? After { get; init; }
    public string? Limit { get; init; }
    public string? UserData { get; init; }
    public string? Type { get; init; }

    internal string? Error { get; private set; }

    internal ChangeQuery? ToQuery(long defaultAfter)
    {
        var after = defaultAfter;
        if (After is not null && (!long.TryParse(After, NumberStyles.None, CultureInfo.InvariantCulture, out after)))
            return Fail($"after '{After}' must be a seq: a whole number from 0.");
        if (RouteSegment.Limit(Limit, ChangeQuery.DefaultLimit, ChangeQuery.MaxLimit, out var limitError) is not { } limit) return Fail(limitError!);
        if (Type is not null && !ChangeTypes.All.Contains(Type))
            return Fail($"type '{Type}' is not one of {string.Join(", ", ChangeTypes.All)}.");
        if (RouteSegment.Problem(UserData, "userData") is { } problem) return Fail(problem);
        return new ChangeQuery(after, limit, string.IsNullOrEmpty(UserData) ? null : UserData, Types: Type is null ? null : [Type]);
    }

    private ChangeQuery? Fail(string error)
    {
        Error = error;
        return null;
    }
}
