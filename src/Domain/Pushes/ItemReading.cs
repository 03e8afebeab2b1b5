using System.Collections.Immutable;
using System.Text.Json;
using CallGrains.Domain.Calls;

namespace CallGrains.Domain.Pushes;

/// <summary>
/// What one <see cref="PushItem"/> says, read once: its identity (<see cref="ItemKey"/>) and its facts. At most
/// one of <see cref="Status"/> and <see cref="Cdr"/> is set; neither for an event type the protocol does not
/// define or a body that is not JSON.
/// </summary>
/// <param name="CdrCompleteness">How many of the CDR's fields have a value; picks among several CDRs of one call.</param>
/// <param name="Quarantined">Set when the item failed a check (it carries a <see cref="PushItem.Flag"/>): then it says
/// nothing else, so that it can decide nothing.</param>
public sealed record ItemReading(
    string Key,
    StatusEvent? Status,
    CdrView? Cdr,
    int CdrCompleteness,
    string? UserData,
    IReadOnlyList<string> Problems,
    UnverifiedItem? Quarantined = null)
{
    /// <summary>
    /// Prefixes the key of an item that failed a check. Its identity is its own: a verified item with the same content
    /// is never a duplicate of it, so a forged copy that arrives first cannot suppress the real one.
    /// </summary>
    public const string UnverifiedKeyPrefix = "unverified|";

    private static readonly JsonDocumentOptions Options = new() { MaxDepth = PushEnvelope.MaxDepth };

    /// <summary>The item's reading: the one its push was parsed with, else read from its stored body.</summary>
    public static ItemReading Of(PushItem item) => Quarantine(item.EventType, item.Flag, item.Reading ?? OfBody(item));

    /// <summary>
    /// What the body of an item whose JSON object is already parsed says (<paramref name="body"/> is its text): the
    /// same as reading the stored body again would, before any flag quarantines it. <see cref="PushEnvelope"/> reads
    /// items with it as it parses a push (<see cref="PushItem.Reading"/>), the grain when it replays the journal.
    /// </summary>
    internal static ItemReading OfBody(string eventType, string body, JsonElement root)
    {
        try
        {
            return eventType == PushItem.FeeEventType ? OfCdr(root) : OfStatus(eventType, root);
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
        {
            return Unreadable(eventType, body, "could not be read");
        }
    }

    private static ItemReading Quarantine(string eventType, string? flag, ItemReading reading) =>
        // Quarantine: what the item claims (status, CDR, userData, caller, times) and what could not be read of it
        // stay in the journal and /events; the view only says that it came and why it was not believed.
        flag is null
            ? reading
            : new ItemReading(UnverifiedKeyPrefix + reading.Key, null, null, 0, null, [flag],
                new UnverifiedItem(PushFields.Shorten(eventType), flag));

    private static ItemReading OfBody(PushItem item)
    {
        try
        {
            using var document = JsonDocument.Parse(item.Body, Options);
            var root = document.RootElement;
            return root.ValueKind == JsonValueKind.Object
                ? OfBody(item.EventType, item.Body, root)
                : Unreadable(item.EventType, item.Body, "is not a JSON object");
        }
        // The API never stores such a body, but a journal replayed into a grain must not take the call down with it.
        catch (JsonException)
        {
            return Unreadable(item.EventType, item.Body, "is not valid JSON");
        }
    }

    private static ItemReading Unreadable(string eventType, string body, string what) =>
        new(ItemKey.OfUnreadable(eventType, body), null, null, 0, null,
            [$"the stored '{PushFields.Shorten(eventType)}' item {what}"]);

    private static ItemReading OfStatus(string eventType, JsonElement root)
    {
        var problems = new List<string>();
        var info = root;
        if (root.TryGetProperty("statusInfo", out var statusInfo) && statusInfo.ValueKind == JsonValueKind.Object)
            info = statusInfo;
        else
            problems.Add($"the '{PushFields.Shorten(eventType)}' push has no statusInfo object");
        var fields = new PushFields(info, problems);

        if (StatusEvent.TypeOf(eventType) is not { } type)
        {
            problems.Add($"eventType '{PushFields.Shorten(eventType)}' is not known");
            return new ItemReading(ItemKey.OfContent(eventType, root), null, null, 0, fields.Text("userData"), problems);
        }

        var disconnect = type == StatusEventType.Disconnect;
        var status = new StatusEvent(
            type,
            fields.Time("timestamp"),
            fields.Text("caller"),
            fields.Text("called"),
            disconnect ? fields.Integer("stateCode") : null,
            disconnect ? fields.Text("stateDesc") : null,
            type == StatusEventType.CollectInfo ? fields.Text("digitInfo") : null,
            disconnect ? fields.Text("partyType") : null,
            fields.Text("userData"));
        return new ItemReading(ItemKey.OfStatus(eventType, info), status, null, 0, status.UserData, problems);
    }

    private static readonly ImmutableHashSet<string> CdrFields = ImmutableHashSet.Create(StringComparer.Ordinal,
        "direction", "spId", "appKey", "icid", "bindNum", "sessionId", "callerNum", "calleeNum",
        "callOutStartTime", "callOutAlertingTime", "callOutAnswerTime", "callOutUnaswRsn",
        "fwdDisplayNum", "fwdDstNum", "fwdStartTime", "fwdAlertingTime", "fwdAnswerTime", "fwdUnaswRsn",
        "callEndTime", "failTime", "ulFailReason", "sipStatusCode", "recordFlag", "recordStartTime",
        "recordObjectName", "recordBucketName", "recordDomain", "recordFileDownloadUrl", "dynIVRStartTime",
        "dynIVRPath", "ttsPlayTimes", "ttsTransDuration", "serviceType", "hostName", "userData");

    private static ItemReading OfCdr(JsonElement root)
    {
        var problems = new List<string>();
        var f = new PushFields(root, problems);
        var cdr = new CdrView(
            f.Integer("direction"), f.Text("spId"), f.Text("appKey"), f.Text("icid"), f.Text("bindNum"),
            f.Text("callerNum"), f.Text("calleeNum"),
            f.Time("callOutStartTime"), f.Time("callOutAlertingTime"), f.Time("callOutAnswerTime"), f.Integer("callOutUnaswRsn"),
            f.Text("fwdDisplayNum"), f.Text("fwdDstNum"),
            f.Time("fwdStartTime"), f.Time("fwdAlertingTime"), f.Time("fwdAnswerTime"), f.Integer("fwdUnaswRsn"),
            f.Time("callEndTime"), f.Time("failTime"), f.Integer("ulFailReason"), f.Integer("sipStatusCode"),
            f.Integer("recordFlag"), f.Time("recordStartTime"), f.Text("recordObjectName"), f.Text("recordBucketName"),
            f.Text("recordDomain"), f.Text("recordFileDownloadUrl"), f.Time("dynIVRStartTime"), f.Text("dynIVRPath"),
            f.Integer("ttsPlayTimes"), f.Integer("ttsTransDuration"), f.Text("serviceType"), f.Text("hostName"),
            f.Text("userData"), ExtraFields(root, problems));
        return new ItemReading(ItemKey.OfContent(PushItem.FeeEventType, root), null, cdr, f.Present + (cdr.Extra?.Count ?? 0), cdr.UserData, problems);
    }

    /// <summary>Fields the protocol table does not list (<c>endToEndID</c>, <c>mptyId</c>, ...), as raw JSON text.</summary>
    private static ImmutableSortedDictionary<string, string>? ExtraFields(JsonElement root, List<string> problems)
    {
        var extra = ImmutableSortedDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        foreach (var property in root.EnumerateObject())
        {
            if (!TryName(property, out var name))
            {
                problems.Add("a field name in the CDR is not valid text");
                continue;
            }
            // The last of duplicate names wins, as it does for the fields the CDR view reads.
            if (!CdrFields.Contains(name)) extra[name] = property.Value.GetRawText();
        }
        return extra.Count == 0 ? null : extra.ToImmutable();
    }

    private static bool TryName(JsonProperty property, out string name)
    {
        try
        {
            name = property.Name;
            return true;
        }
        catch (InvalidOperationException)
        {
            name = "";
            return false;
        }
    }
}
