using System.Globalization;
using System.Text.Json.Nodes;

namespace CallGrains.PushSimulator;

/// <summary>
/// One call as the platform would push it: its status pushes in call-state order and its CDR entry,
/// shaped like the published samples (UTC times to the second, numbers in +86 form).
/// </summary>
public sealed class SimulatedCall
{
    private const string TimeFormat = "yyyy-MM-dd HH:mm:ss";

    public required string SessionId { get; init; }
    public required string UserData { get; init; }
    public required Scenario Scenario { get; init; }
    public required IReadOnlyList<string> StatusPushes { get; init; }
    public required JsonObject Cdr { get; init; }

    public static SimulatedCall Create(int index, Scenario scenario, DateTime start, string runId, Random random)
    {
        var sessionId = $"1201_{index}_4294967295_{start:yyyyMMddHHmmss}@sim-{runId}.callgrains";
        var userData = $"sim-{runId}-order-{index}";
        var a = Number(random);
        var b = Number(random);
        var display = "+8675528000002";
        var t = start;
        var pushes = new List<string>();
        var cdr = new JsonObject
        {
            ["direction"] = 0, ["spId"] = "CaaS_Sim_01", ["appKey"] = "sim-app", ["bindNum"] = display,
            ["sessionId"] = sessionId, ["callerNum"] = display, ["calleeNum"] = a,
            ["callOutStartTime"] = Time(t), ["callOutUnaswRsn"] = 0, ["fwdUnaswRsn"] = 0, ["ulFailReason"] = 0,
            ["sipStatusCode"] = 0, ["recordFlag"] = 0, ["ttsPlayTimes"] = 0, ["ttsTransDuration"] = 0,
            ["hostName"] = "sim.callgrains", ["userData"] = userData,
        };

        void Status(string eventType, string? called, int? stateCode = null, string? digits = null)
        {
            var info = new JsonObject { ["sessionId"] = sessionId, ["timestamp"] = Time(t) };
            if (called is not null) { info["caller"] = display; info["called"] = called; }
            if (digits is not null) info["digitInfo"] = digits;
            info["userData"] = userData;
            if (stateCode is { } code) { info["stateCode"] = code; info["stateDesc"] = code == 0 ? "The user releases the call." : "Call failed."; }
            pushes.Add(new JsonObject { ["eventType"] = eventType, ["statusInfo"] = info }.ToJsonString());
        }
        void Wait(int minSeconds, int maxSeconds) => t = t.AddSeconds(random.Next(minSeconds, maxSeconds + 1));

        var callback = scenario is Scenario.CallbackConnected or Scenario.CallbackBusy or Scenario.CallbackCallerAbandoned;
        cdr["serviceType"] = callback ? "002" : "001";
        Status("callout", a);
        Wait(1, 4);
        var ringsA = scenario is not Scenario.VerificationInvalidNumber and not Scenario.VerificationBusy;
        if (ringsA)
        {
            Status("alerting", a);
            cdr["callOutAlertingTime"] = Time(t);
            Wait(2, 8);
        }

        switch (scenario)
        {
            case Scenario.CallbackConnected:
            case Scenario.CallbackBusy:
            case Scenario.CallbackCallerAbandoned:
                Status("answer", a);
                cdr["callOutAnswerTime"] = Time(t);
                cdr["fwdDisplayNum"] = display;
                cdr["fwdDstNum"] = b;
                Status("callout", b);
                cdr["fwdStartTime"] = Time(t);
                Wait(1, 3);
                if (scenario == Scenario.CallbackBusy)
                {
                    cdr["fwdUnaswRsn"] = 17;
                    Status("disconnect", a, stateCode: 8102);
                    break;
                }
                Status("alerting", b);
                cdr["fwdAlertingTime"] = Time(t);
                Wait(2, 6);
                if (scenario == Scenario.CallbackCallerAbandoned)
                {
                    cdr["ulFailReason"] = 530;
                    Status("disconnect", a, stateCode: 8009);
                    break;
                }
                Status("answer", b);
                cdr["fwdAnswerTime"] = Time(t);
                Wait(5, 300);
                Status("disconnect", a, stateCode: 0);
                break;
            case Scenario.NotificationCollect:
                Status("answer", a);
                cdr["callOutAnswerTime"] = Time(t);
                cdr["ttsPlayTimes"] = 1;
                cdr["ttsTransDuration"] = 1;
                Wait(5, 20);
                var key = random.Next(1, 10).ToString(CultureInfo.InvariantCulture);
                Status("collectInfo", null, digits: key);
                cdr["dynIVRPath"] = key;
                Wait(0, 2);
                Status("disconnect", a, stateCode: 0);
                break;
            case Scenario.NotificationNoAnswer:
                Wait(20, 40);
                cdr["callOutUnaswRsn"] = 19;
                Status("disconnect", a, stateCode: 8101);
                break;
            case Scenario.VerificationConnected:
                Status("answer", a);
                cdr["callOutAnswerTime"] = Time(t);
                Wait(10, 20);
                Status("disconnect", a, stateCode: 0);
                break;
            case Scenario.VerificationInvalidNumber:
                cdr["callOutUnaswRsn"] = 1;
                Status("disconnect", a, stateCode: 8100);
                break;
            case Scenario.VerificationBusy:
                cdr["callOutUnaswRsn"] = 17;
                Status("disconnect", a, stateCode: 8102);
                break;
        }
        cdr["callEndTime"] = Time(t);
        return new SimulatedCall { SessionId = sessionId, UserData = userData, Scenario = scenario, StatusPushes = pushes, Cdr = cdr };
    }

    private static string Time(DateTime t) => t.ToString(TimeFormat, CultureInfo.InvariantCulture);

    private static string Number(Random random) => "+86138" + random.Next(0, 100_000_000).ToString("D8", CultureInfo.InvariantCulture);
}
