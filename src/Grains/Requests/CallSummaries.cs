using System.Text.Json;
using CallGrains.Domain.Calls;
using CallGrains.Storage;

namespace CallGrains.Requests;

/// <summary>How a call looks from its business request: built from a view or from a projection row.</summary>
public static class CallSummaries
{
    public static CallSummary Of(CallView view) =>
        new(view.SessionId, Word(view.Status), view.Outcome is { } o ? Word(o) : null, view.Final,
            view.UpdatedAt ?? DateTimeOffset.MinValue, view.Version);

    public static CallSummary Of(CallRow row) =>
        new(row.SessionId, Word(row.Status), row.Outcome is { } o ? Word(o) : null, row.Final, row.UpdatedAt, row.Version);

    /// <summary>An enum value as the contract spells it ("no-answer").</summary>
    public static string Word<T>(T value) where T : struct, Enum =>
        JsonSerializer.Serialize(value, CallJson.Options).Trim('"');
}
