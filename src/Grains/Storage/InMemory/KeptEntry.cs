using System.Text;
using CallGrains.Domain.Pushes;

namespace CallGrains.Storage.InMemory;

/// <summary>
/// A journal entry as the embedded store keeps it until retention: the item's text as UTF-8, its event type as the
/// protocol's own word, and no session id of its own (the store's key for the session's list is it). Everything kept
/// survives collections until retention: held as a <see cref="JournalEntry"/> and its <see cref="PushItem"/> (the body as
/// UTF-16, a copy of the session id and of the event type per item, two objects), the samples' pushes took 1,256 bytes
/// per item with their calls rows, against 686 as this (380,000 items, 2026-11-30). Read back, an entry is the same item
/// (<see cref="Restore"/>).
/// </summary>
internal sealed record KeptEntry(string ItemKey, bool ChangedView, bool Folded, bool Projected)
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    // The body: UTF-8 bytes, or the text itself in the one case UTF-8 could not give it back exactly (text that is not
    // valid UTF-16, which no parsed push holds).
    private byte[]? _utf8;
    private string? _text;

    public required string EventType { get; init; }
    public required DateTimeOffset ReceivedAt { get; init; }
    public string? Flag { get; init; }

    public static KeptEntry Keep(JournalEntry entry)
    {
        var item = entry.Item;
        var kept = new KeptEntry(entry.ItemKey, entry.ChangedView, entry.Folded, entry.Projected)
        {
            EventType = ProtocolWord(item.EventType), ReceivedAt = item.ReceivedAt, Flag = item.Flag,
        };
        try
        {
            kept._utf8 = StrictUtf8.GetBytes(item.Body);
        }
        catch (EncoderFallbackException)
        {
            kept._text = item.Body;
        }
        return kept;
    }

    /// <summary>The entry as it was journaled: its item without a reading, which whoever folds it reads again.</summary>
    public JournalEntry Restore(string sessionId) =>
        new(new PushItem(sessionId, EventType, _text ?? Encoding.UTF8.GetString(_utf8!), ReceivedAt, Flag), ItemKey, ChangedView, Folded, Projected);

    /// <summary>
    /// The protocol's event types as one shared string each; any other word stays the item's own. Not
    /// <see cref="string.Intern"/>: senders choose the words, and the intern pool is never emptied.
    /// </summary>
    private static string ProtocolWord(string eventType) => eventType switch
    {
        "callout" => "callout",
        "alerting" => "alerting",
        "answer" => "answer",
        "collectInfo" => "collectInfo",
        "disconnect" => "disconnect",
        PushItem.FeeEventType => PushItem.FeeEventType,
        _ => eventType,
    };
}
