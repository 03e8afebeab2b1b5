using CallGrains.Domain.Calls;
using CallGrains.Storage;

namespace CallGrains.Api.Billing;

/// <summary>Where a record's fields go: a CSV row or an NDJSON object.</summary>
internal interface IRecordSink
{
    void Text(string name, string? value);
    void Number(string name, long? value);
    void Time(string name, DateTimeOffset? value);
    void Map(string name, IReadOnlyDictionary<string, string>? value);
}

/// <summary>
/// What an export says, one record at a time: a <c>call</c> per exported call, a <c>total</c> per business id, and one
/// <c>end</c>, written last, whose absence tells a reader that the download was cut short. A call's figures are its
/// view's: talk time from the conversation's answer to the end of the call, and billable minutes by the platform's
/// published rule, every started minute of talk (ceil(talkSeconds / 60)); both 0 for a call that was not answered.
/// </summary>
internal static class BillingRecords
{
    /// <summary>Every field a record can have, in CSV column order: a call has all of them, a total and the end a few.</summary>
    public static readonly string[] Columns =
    [
        "record", "sessionId", "firstReceivedAt", "userData", "kind", "businessId", "attributes", "scenario", "outcome",
        "serviceType", "direction", "spId", "appKey", "icid", "bindNum", "calleeNum", "fwdDstNum",
        "callOutStartTime", "callOutAnswerTime", "fwdStartTime", "fwdAnswerTime", "callEndTime",
        "recordFlag", "ttsPlayTimes", "ttsTransDuration", "talkSeconds", "billableMinutes", "calls",
    ];

    /// <summary>A call: its stored view (<paramref name="exported"/>'s, masked for the reader) says everything but the request.</summary>
    public static void Call(IRecordSink sink, (ExportedCall Call, CallView View) exported)
    {
        var (call, view) = exported;
        var cdr = view.Cdr;
        sink.Text("record", "call");
        sink.Text("sessionId", call.SessionId);
        sink.Time("firstReceivedAt", call.FirstReceivedAt);
        sink.Text("userData", call.UserData);
        sink.Text("kind", call.Request?.Kind);
        sink.Text("businessId", call.Request?.BusinessId);
        sink.Map("attributes", call.Request?.Attributes);
        sink.Text("scenario", ContractWords.Of(view.Scenario));
        sink.Text("outcome", view.Outcome is { } outcome ? ContractWords.Of(outcome) : null);
        sink.Text("serviceType", cdr?.ServiceType);
        sink.Number("direction", cdr?.Direction);
        sink.Text("spId", cdr?.SpId);
        sink.Text("appKey", cdr?.AppKey);
        sink.Text("icid", cdr?.Icid);
        sink.Text("bindNum", cdr?.BindNum);
        sink.Text("calleeNum", cdr?.CalleeNum);
        sink.Text("fwdDstNum", cdr?.FwdDstNum);
        sink.Time("callOutStartTime", cdr?.CallOutStartTime);
        sink.Time("callOutAnswerTime", cdr?.CallOutAnswerTime);
        sink.Time("fwdStartTime", cdr?.FwdStartTime);
        sink.Time("fwdAnswerTime", cdr?.FwdAnswerTime);
        sink.Time("callEndTime", cdr?.CallEndTime);
        sink.Number("recordFlag", cdr?.RecordFlag);
        sink.Number("ttsPlayTimes", cdr?.TtsPlayTimes);
        sink.Number("ttsTransDuration", cdr?.TtsTransDuration);
        sink.Number("talkSeconds", TalkSeconds(view));
        sink.Number("billableMinutes", BillableMinutes(view));
        sink.Number("calls", 1);
    }

    public static void Total(IRecordSink sink, BillingTotal total)
    {
        sink.Text("record", "total");
        sink.Text("businessId", total.BusinessId);
        sink.Number("talkSeconds", total.TalkSeconds);
        sink.Number("billableMinutes", total.BillableMinutes);
        sink.Number("calls", total.Calls);
    }

    public static void End(IRecordSink sink, BillingTotal all)
    {
        sink.Text("record", "end");
        sink.Number("talkSeconds", all.TalkSeconds);
        sink.Number("billableMinutes", all.BillableMinutes);
        sink.Number("calls", all.Calls);
    }

    public static int TalkSeconds(CallView view) => view.TalkSeconds ?? 0;

    public static int BillableMinutes(CallView view) => view.BillableMinutes ?? 0;
}
