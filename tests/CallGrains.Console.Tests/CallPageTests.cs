using CallGrains.Tests.Shared;
using OpenQA.Selenium;

namespace CallGrains.Console.Tests;

[Collection(ConsoleCollection.Name)]
public sealed class CallPageTests(ConsoleFixture console)
{
    /// <summary>
    /// The callback sample's pushes (0 callout A, 1 alerting A, 2 answer A, 3 callout B, 4 alerting B, 5 answer B,
    /// 6 disconnect, 7 CDR) in this order arrive with event times :49 :31 :24 :49 :36 :27 :38 :31, so every arrival
    /// but the first and the CDR is earlier than one already stored.
    /// </summary>
    private static readonly int[] ArrivalOrder = [6, 2, 0, 7, 4, 1, 5, 3];
    private static readonly string[] OutOfOrderRows = ["2", "3", "5", "6", "7", "8"];

    [Fact]
    public async Task TheCallbackPageShowsTwoLanesElevenSecondsOfTalkAndTheReorderedArrivals()
    {
        var call = SampleCall.Load("callback-connected");
        await console.PushAsync(ArrivalOrder.Select(i => call.Pushes[i]));

        console.Open($"/console/calls/{Uri.EscapeDataString(call.SessionId)}");

        var driver = console.Driver;
        console.Eventually(() => driver.FindElements(By.CssSelector("#timeline svg g.lane")).Count == 2, "two lanes in the timeline");
        Assert.Equal(["A", "B"], driver.FindElements(By.CssSelector("#timeline svg g.lane")).Select(l => l.GetAttribute("data-leg")));
        Assert.Equal(["2019-01-24 03:04:24", "2019-01-24 03:04:27", "2019-01-24 03:04:31", "2019-01-24 03:04:49"], LegTimes("A"));
        Assert.Equal(["2019-01-24 03:04:31", "2019-01-24 03:04:36", "2019-01-24 03:04:38", "2019-01-24 03:04:49"], LegTimes("B"));
        Assert.Equal("11 s of talk", driver.FindElement(By.CssSelector("#timeline .talk-label")).Text);
        Assert.Contains("Talk time\n11 s", driver.FindElement(By.Id("summary")).Text, StringComparison.Ordinal);
        Assert.Contains("normal release after connect", driver.FindElement(By.Id("summary")).Text, StringComparison.Ordinal);

        var arrivals = driver.FindElements(By.CssSelector("#arrivals tbody tr"));
        Assert.Equal(["disconnect", "answer", "callout", "fee", "alerting", "alerting", "answer", "callout"],
            arrivals.Select(r => r.GetAttribute("data-event-type")));
        Assert.Equal(OutOfOrderRows, arrivals.Where(r => r.GetAttribute("class")!.Contains("is-order", StringComparison.Ordinal))
            .Select(r => r.FindElement(By.CssSelector("td")).Text));
        Assert.Contains("out of order", arrivals[1].Text, StringComparison.Ordinal);
        // After the CDR, the status pushes only repeat what it said.
        Assert.Equal(["5", "6", "7", "8"], arrivals.Where(r => r.GetAttribute("class")!.Contains("is-nochange", StringComparison.Ordinal))
            .Select(r => r.FindElement(By.CssSelector("td")).Text));
        Assert.Equal(OutOfOrderRows.Length, driver.FindElements(By.CssSelector("#ladder-chart circle.ladder-order")).Count);

        console.Screenshot("console-call", height: 1900);

        // The raw body is there on demand, as text.
        var details = arrivals[0].FindElement(By.TagName("details"));
        details.FindElement(By.TagName("summary")).Click();
        Assert.Contains("\"eventType\": \"disconnect\"", details.FindElement(By.TagName("pre")).Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ACdrArrivingLongAfterTheHangupIsMarkedLate()
    {
        var call = SampleCall.Load("callback-connected");
        await console.PushAsync(call.Pushes.Take(7));
        console.Clock.Advance(TimeSpan.FromMinutes(20));
        await console.PushAsync(call.Pushes.Skip(7));

        console.Open($"/console/calls/{Uri.EscapeDataString(call.SessionId)}");

        var cdr = console.Eventually(() => console.Driver.FindElements(By.CssSelector("#arrivals tbody tr[data-event-type='fee']")).FirstOrDefault(), "the CDR's arrival");
        Assert.Contains("is-late", cdr.GetAttribute("class"), StringComparison.Ordinal);
        Assert.Contains("late CDR: 20 min", cdr.Text, StringComparison.Ordinal);
        Assert.Empty(console.Driver.FindElements(By.CssSelector("#arrivals tbody tr.is-order")));
    }

    [Fact]
    public async Task TextFromThePlatformIsShownAsTextNeverRunAsMarkup()
    {
        var call = SampleCall.Load("verification-code", userData: "<img src=x onerror=window.injected=1>");
        await console.PushAsync(call.Pushes);

        console.Open($"/console/calls/{Uri.EscapeDataString(call.SessionId)}");

        var summary = console.Eventually(() => console.Driver.FindElements(By.CssSelector("#summary dd")).Count > 0 ? console.Driver.FindElement(By.Id("summary")) : null, "the summary");
        Assert.Contains("<img src=x", summary.Text, StringComparison.Ordinal);
        Assert.Empty(console.Driver.FindElements(By.CssSelector("main img")));
        Assert.Null(console.Driver.ExecuteScript("return window.injected ?? null;"));
    }

    private string[] LegTimes(string leg) =>
        [.. console.Driver.FindElements(By.CssSelector($"#legs tr[data-leg='{leg}'] td")).Skip(1).Take(4).Select(td => td.Text)];
}
