using System.Collections.Frozen;
using System.Text.Json;

namespace CallGrains.Domain.Calls;

/// <summary>
/// The contract's words for enum values (<c>no-answer</c>, <c>cdr-overdue</c>): how the API writes and reads them
/// and how the store keeps them, so a stored row reads like the API and does not change meaning if an enum is
/// ever reordered. <see cref="CallJson"/> writes enums with the same naming policy.
/// </summary>
public static class ContractWords
{
    public static JsonNamingPolicy NamingPolicy => JsonNamingPolicy.KebabCaseLower;

    public static string Of<T>(T value) where T : struct, Enum => Words<T>.ByValue[value];

    public static bool TryParse<T>(string word, out T value) where T : struct, Enum => Words<T>.ByWord.TryGetValue(word, out value);

    /// <summary>The value a word names; a word the contract does not define is a <see cref="FormatException"/>.</summary>
    public static T Parse<T>(string word) where T : struct, Enum =>
        TryParse<T>(word, out var value) ? value : throw new FormatException($"'{word}' is not one of {List<T>()}.");

    /// <summary>Every word, for messages: "dialing, ringing, answered, ended".</summary>
    public static string List<T>() where T : struct, Enum => Words<T>.Listed;

    private static class Words<T> where T : struct, Enum
    {
        public static readonly FrozenDictionary<T, string> ByValue =
            Enum.GetValues<T>().ToFrozenDictionary(v => v, v => NamingPolicy.ConvertName(v.ToString()));

        public static readonly FrozenDictionary<string, T> ByWord =
            ByValue.ToFrozenDictionary(p => p.Value, p => p.Key, StringComparer.Ordinal);

        public static readonly string Listed = string.Join(", ", Enum.GetValues<T>().Select(v => ByValue[v]));
    }
}
