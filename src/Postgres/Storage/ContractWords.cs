using CallGrains.Domain.Calls;
using CallGrains.Requests;

namespace CallGrains.Postgres.Storage;

/// <summary>
/// Status and outcome as stored: the contract's words ("no-answer"), so the table reads like the API and
/// does not change meaning if the enums are ever reordered.
/// </summary>
internal static class ContractWords
{
    private static readonly Dictionary<string, CallStatus> _statuses = WordsOf<CallStatus>();
    private static readonly Dictionary<string, CallOutcome> _outcomes = WordsOf<CallOutcome>();

    public static string Of(CallStatus status) => CallSummaries.Word(status);

    public static string Of(CallOutcome outcome) => CallSummaries.Word(outcome);

    public static CallStatus StatusOf(string word) =>
        _statuses.TryGetValue(word, out var status)
            ? status
            : throw new InvalidDataException($"callgrains_calls holds an unknown status word '{word}'.");

    public static CallOutcome OutcomeOf(string word) =>
        _outcomes.TryGetValue(word, out var outcome)
            ? outcome
            : throw new InvalidDataException($"callgrains_calls holds an unknown outcome word '{word}'.");

    private static Dictionary<string, T> WordsOf<T>() where T : struct, Enum =>
        Enum.GetValues<T>().ToDictionary(value => CallSummaries.Word(value), StringComparer.Ordinal);
}
