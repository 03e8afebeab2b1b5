using CallGrains.Domain.Changes;
using CallGrains.Storage;

namespace CallGrains.Tests.Shared;

/// <summary>Appends as the store tests write them: an entry and its row, with the change type a grain would give.</summary>
public static class JournalAppends
{
    /// <summary>A final row is taken as the one that made the call final, as in the store tests it always is.</summary>
    public static CallAppend Append(JournalEntry entry, CallRow row) =>
        new(entry, row, ChangeTypes.Of(wasFinal: false, isFinal: row.Final));

    public static Task AppendAsync(this IPushJournal journal, JournalEntry entry, CallRow row) =>
        journal.AppendAsync(Append(entry, row));
}
