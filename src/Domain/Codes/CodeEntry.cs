using System.Collections.Frozen;
using CallGrains.Domain.Calls;

namespace CallGrains.Domain.Codes;

/// <summary>A published code, what it means, and the outcome it implies for a call that was not answered (null: no verdict).</summary>
public sealed record CodeEntry(int Code, string Meaning, CallOutcome? Implies)
{
    public CodeMeaning ToMeaning() => new(Code, Meaning);
}

internal static class CodeTable
{
    public static FrozenDictionary<int, CodeEntry> Of(IEnumerable<CodeEntry> entries) => entries.ToFrozenDictionary(e => e.Code);
}
