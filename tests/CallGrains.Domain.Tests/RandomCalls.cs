using System.Text.Json;
using CallGrains.Domain.Calls;
using CallGrains.Domain.Pushes;

namespace CallGrains.Domain.Tests;

/// <summary>
/// Seeded random calls for property tests: status pushes and CDRs drawn from small pools (so that they collide,
/// disagree and repeat), with the platform's untidiness mixed in: double spaces, ISO times, numeric strings,
/// garbage values, lost fields, unknown event types, corrected CDRs.
/// </summary>
internal static class RandomCalls
{
    private static readonly object?[] CallbackNumbers = [Given.A, Given.B, Given.A, Given.B, "+8613800000099"];
    private static readonly object?[] SingleNumbers = [Given.A, Given.A, Given.A, 8613800000021L];
    private static readonly object?[] EventTypes = ["callout", "alerting", "answer", "collectInfo", "disconnect", "callout", "answer", "callin"];
    private static readonly object?[] StateCodes = [0, 0, 8102, 8009, 8003, 8104, "8101", " 17 ", "abc", null];
    private static readonly object?[] Q850Causes = [0, 0, 16, 17, 19, 20, "21", 99, "x"];
    private static readonly object?[] ReleasePoints = [0, 0, 518, 530, 514, 486, 100];
    private static readonly object?[] UserData = ["order-1", "order-2", "", null];

    /// <summary>The flag of items that failed a check; quarantined, so they must never change what the others decide.</summary>
    public const string Forged = "unauthenticated push: X-AKSK digest does not match";

    /// <summary>
    /// A set of items with distinct keys (a session's journal never holds a key twice). One item in five failed a
    /// check (it carries <see cref="Forged"/>), sometimes beside a verified copy of itself.
    /// </summary>
    public static IReadOnlyList<PushItem> Call(int seed)
    {
        var random = new Random(seed ^ 0x5bd1e995);
        return [.. Verified(seed).SelectMany(item => random.Next(5) switch
        {
            0 => [item with { Flag = Forged }],
            1 when random.Next(2) == 0 => [item, item with { Flag = Forged }],
            _ => new[] { item },
        }).DistinctBy(Given.KeyOf)];
    }

    /// <summary>Like <see cref="Call"/>, with no item flagged.</summary>
    public static IReadOnlyList<PushItem> Verified(int seed)
    {
        var random = new Random(seed);
        // Half the calls are callbacks (two or more numbers, leg-2 CDR fields); the rest dial one number.
        var callback = random.Next(2) == 0;
        var numbers = callback ? CallbackNumbers : SingleNumbers;
        var items = new List<PushItem>();
        var count = random.Next(1, 9);
        for (var i = 0; i < count; i++)
            items.Add(random.Next(6) == 0 ? CdrItem(random, callback, numbers) : StatusItem(random, numbers));
        return [.. items.DistinctBy(Given.KeyOf)];
    }

    private static PushItem StatusItem(Random random, object?[] numbers)
    {
        var eventType = Pick(random, EventTypes)!.ToString()!;
        var info = new Dictionary<string, object?> { ["sessionId"] = Given.Session };
        Maybe(random, info, "timestamp", Time(random));
        Maybe(random, info, "called", Pick(random, numbers));
        Maybe(random, info, "caller", Pick(random, ["+8613800000022", "+8613800000023"]));
        Maybe(random, info, "userData", Pick(random, UserData));
        if (eventType == "disconnect")
        {
            Maybe(random, info, "stateCode", Pick(random, StateCodes));
            Maybe(random, info, "stateDesc", "released");
        }
        if (eventType == "collectInfo") Maybe(random, info, "digitInfo", Pick(random, ["1", "2", "12", ""]));
        var body = JsonSerializer.Serialize(new Dictionary<string, object?> { ["eventType"] = eventType, ["statusInfo"] = info });
        return Given.Item(eventType, body);
    }

    private static PushItem CdrItem(Random random, bool callback, object?[] numbers)
    {
        var cdr = new Dictionary<string, object?> { ["sessionId"] = Given.Session };
        Maybe(random, cdr, "serviceType", random.Next(8) == 0 ? null : callback ? "002" : "001");
        Maybe(random, cdr, "calleeNum", Pick(random, numbers));
        Maybe(random, cdr, "callerNum", "+8613800000022");
        string[] times = callback
            ? ["callOutStartTime", "callOutAlertingTime", "callOutAnswerTime", "fwdStartTime", "fwdAlertingTime", "fwdAnswerTime", "callEndTime", "failTime"]
            : ["callOutStartTime", "callOutAlertingTime", "callOutAnswerTime", "callEndTime", "failTime"];
        foreach (var time in times) Maybe(random, cdr, time, Time(random));
        Maybe(random, cdr, "callOutUnaswRsn", Pick(random, Q850Causes));
        Maybe(random, cdr, "fwdUnaswRsn", callback ? Pick(random, Q850Causes) : 0);
        if (callback) Maybe(random, cdr, "fwdDstNum", Pick(random, numbers));
        Maybe(random, cdr, "ulFailReason", Pick(random, ReleasePoints));
        Maybe(random, cdr, "sipStatusCode", Pick(random, [0, 486, 603, "404"]));
        Maybe(random, cdr, "ttsPlayTimes", Pick(random, [0, 0, 1, "2"]));
        if (random.Next(3) == 0) Maybe(random, cdr, "dynIVRPath", Pick(random, ["1", "1-2", ""]));
        Maybe(random, cdr, "userData", Pick(random, UserData));
        Maybe(random, cdr, "endToEndID", random.Next(3));
        return Given.Item(PushItem.FeeEventType, JsonSerializer.Serialize(cdr));
    }

    /// <summary>A few seconds around one minute, in every spelling the platform has been seen to use.</summary>
    private static object? Time(Random random)
    {
        var second = random.Next(20, 50);
        return random.Next(12) switch
        {
            0 => $"2019-01-24  03:04:{second}",
            1 => $"2019-01-24T03:04:{second}Z",
            2 => "",
            3 => "2019-13-45 99:00:00",
            _ => $"2019-01-24 03:04:{second}",
        };
    }

    private static object? Pick(Random random, object?[] values) => values[random.Next(values.Length)];

    private static void Maybe(Random random, Dictionary<string, object?> fields, string name, object? value)
    {
        if (random.Next(5) != 0) fields[name] = value;
    }
}
