using System.Net.Http.Json;
using CallGrains.Tests.Shared;
using OpenQA.Selenium;

namespace CallGrains.Console.Tests;

[Collection(ConsoleCollection.Name)]
public sealed class BoardTests(ConsoleFixture console)
{
    [Fact]
    public async Task TheBoardListsTheSamplesPushedInShuffledOrderWithTheirOutcomes()
    {
        // Only this test's calls on the board (and in its screenshot): those first heard of from now on.
        var since = DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture);
        var calls = SampleCall.Names.Select(name => SampleCall.Load(name)).ToList();
        using var registered = await console.Client.PutAsJsonAsync($"/v1/requests/{Uri.EscapeDataString(calls[0].UserData)}",
            new { kind = "taxi-order", businessId = "order-0042" });
        registered.EnsureSuccessStatusCode();
        var seed = 13;
        foreach (var call in calls) await console.PushAsync(call.Shuffled(seed++));
        // One call that is still ringing, so the board shows a call in progress too.
        var ringing = SampleCall.Load("verification-code");
        await console.PushAsync(ringing.Pushes.Take(2));

        console.Open($"/console?since={since}");

        foreach (var call in calls)
        {
            var row = console.Eventually(() => FindRow(call.SessionId), $"the row of {call.Name}");
            Assert.Equal("ended", row.GetAttribute("data-status"));
            Assert.Equal("answered", row.GetAttribute("data-outcome"));
            Assert.Equal("answered", row.FindElement(By.CssSelector(".col-outcome")).Text);
        }
        Assert.Equal("ringing", console.Eventually(() => FindRow(ringing.SessionId), "the ringing call").GetAttribute("data-status"));
        Assert.Equal("order-0042", FindRow(calls[0].SessionId)!.FindElement(By.CssSelector(".col-request")).Text);
        console.Eventually(() => console.Driver.FindElement(By.Id("count-in-progress")).Text is not ("…" or "0"), "the in-progress counter");
        console.Screenshot("console-board");
    }

    [Fact]
    public async Task ANewCallAppearsOnTheOpenBoardAndChangesStatusWithoutAReload()
    {
        console.Open("/console");
        console.Eventually(() => console.Driver.FindElement(By.Id("live")).Text == "live", "the board to follow the change stream");
        console.Driver.ExecuteScript("window.sameDocument = 'yes';");
        var call = SampleCall.Load("verification-code");

        await console.PushAsync(call.Pushes.Take(2));
        // Rows are re-rendered on every change, so each look finds the row again.
        console.Eventually(() => FindRow(call.SessionId)?.GetAttribute("data-status") == "ringing", "the new call, ringing, on the board", seconds: 10);

        await console.PushAsync(call.Pushes.Skip(2));
        console.Eventually(() => FindRow(call.SessionId)?.GetAttribute("data-outcome") == "answered", "the call to end answered", seconds: 10);
        var row = FindRow(call.SessionId)!;
        Assert.Equal("ended", row.GetAttribute("data-status"));
        Assert.Contains("changed", row.GetAttribute("class"), StringComparison.Ordinal);
        Assert.Equal(call.SessionId, console.Driver.FindElement(By.CssSelector("#calls tbody tr")).GetAttribute("data-session-id"));
        Assert.Equal("yes", console.Driver.ExecuteScript("return window.sameDocument;"));
    }

    [Fact]
    public async Task FiltersAreReadFromTheUrlAndWrittenBackToIt()
    {
        var userData = $"filter-{Guid.NewGuid():N}";
        var ended = SampleCall.Load("verification-code", userData: userData);
        var ringing = SampleCall.Load("verification-code", userData: userData);
        await console.PushAsync(ended.Pushes);
        await console.PushAsync(ringing.Pushes.Take(2));

        console.Open($"/console?userData={userData}&status=ringing");

        console.Eventually(() => SessionIds().SequenceEqual([ringing.SessionId]), "only the ringing call");
        Assert.Equal(userData, console.Driver.FindElement(By.Name("userData")).GetAttribute("value"));
        console.Driver.FindElement(By.Name("status")).SendKeys("ended");
        console.Driver.FindElement(By.CssSelector("#filters button[type=submit]")).Click();

        console.Eventually(() => SessionIds().SequenceEqual([ended.SessionId]), "only the ended call");
        Assert.Contains("status=ended", console.Driver.Url, StringComparison.Ordinal);
        Assert.Contains($"userData={userData}", console.Driver.Url, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OnAPhoneSizedScreenTheBoardFitsTheWidth()
    {
        await console.PushAsync(SampleCall.Load("callback-connected").Pushes);
        var window = console.Driver.Manage().Window;
        var size = window.Size;
        try
        {
            window.Size = new System.Drawing.Size(390, 844);
            console.Open("/console");
            console.Eventually(() => SessionIds().Any(), "the calls");

            var overflow = Convert.ToInt64(console.Driver.ExecuteScript(
                "return document.documentElement.scrollWidth - document.documentElement.clientWidth;"), System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(overflow <= 0, $"The board is {overflow} px wider than a phone's screen.");
            console.Screenshot("console-board-phone", height: 844);
        }
        finally
        {
            window.Size = size;
        }
    }

    private IEnumerable<string?> SessionIds() =>
        console.Driver.FindElements(By.CssSelector("#calls tbody tr")).Select(row => row.GetAttribute("data-session-id"));

    private IWebElement? FindRow(string sessionId) =>
        console.Driver.FindElements(By.CssSelector("#calls tbody tr"))
            .FirstOrDefault(row => row.GetAttribute("data-session-id") == sessionId);
}
