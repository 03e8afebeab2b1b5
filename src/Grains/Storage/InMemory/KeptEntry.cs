using System.Text;
using CallGrains.Domain.Pushes;

namespace CallGrains.Storage.InMemory;

/// <summary>
/// A journal entry as the embedded store keeps it until retention: the item's text as UTF-8, its event type as a
/// shared string, and no session id of its own (the store's key for the session's list is it). Everything kept
/// survives collections until retention: held as a <see cref="JournalEntry"/> and its <see cref="PushItem"/> (the body as
/// UTF-16, a copy of the session id and of the event type per item, two objects), the samples' pushes took 1,256 bytes
/// per item with their calls rows, against 686 as this (380,000 items, 2026-11-30). Read back, an entry is the same item
/// (<see cref="Restore"/>).
/// </summary>
internal sealed record KeptEntry(
    string ItemKey, byte[] Utf8Body, string EventType, DateTimeOffset ReceivedAt, string? Flag, bool ChangedView, bool Folded, bool Projected)
{
    // Strict, as the database's text is: a body that is not valid UTF-16 is refused rather than kept altered. A parsed
    // push never holds one (its bytes are checked as UTF-8 before anything else).
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static KeptEntry Keep(JournalEntry entry)
    {
        var item = entry.Item;
        // The protocol's words are literals of this program, so interned: each kept type is then one shared string.
        // IsInterned only looks; senders choose the words, and nothing they send enters the pool.
        var eventType = string.IsInterned(item.EventType) ?? item.EventType;
        return new(entry.ItemKey, Utf8.GetBytes(item.Body), eventType, item.ReceivedAt, item.Flag, entry.ChangedView, entry.Folded, entry.Projected);
    }

    /// <summary>The entry as it was journaled: its item without a reading, which whoever folds it reads again.</summary>
    public JournalEntry Restore(string sessionId) =>
        new(new PushItem(sessionId, EventType, Utf8.GetString(Utf8Body), ReceivedAt, Flag), ItemKey, ChangedView, Folded, Projected);
}
