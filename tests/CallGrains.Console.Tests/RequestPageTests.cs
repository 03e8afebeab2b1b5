using System.Net.Http.Json;
using CallGrains.Tests.Shared;
using OpenQA.Selenium;

namespace CallGrains.Console.Tests;

[Collection(ConsoleCollection.Name)]
public sealed class RequestPageTests(ConsoleFixture console)
{
    [Fact]
    public async Task TheRequestPageShowsEveryAttemptItsBestOutcomeAndLinksToTheCalls()
    {
        var userData = $"taxi-order-{Guid.NewGuid():N}/2";
        using var registered = await console.Client.PutAsJsonAsync($"/v1/requests/{Uri.EscapeDataString(userData)}",
            new { kind = "taxi-order", businessId = "order-77", attributes = new Dictionary<string, string> { ["driver"] = "d-9" } });
        registered.EnsureSuccessStatusCode();
        var unanswered = SampleCall.Load("verification-code", userData: userData);
        var answered = SampleCall.Load("verification-code", userData: userData);
        await console.PushAsync(unanswered.Pushes.Take(2));
        await console.PushAsync(answered.Pushes);

        console.Open($"/console/requests/{Uri.EscapeDataString(userData)}");

        var driver = console.Driver;
        console.Eventually(() => driver.FindElements(By.CssSelector("#attempts tbody tr")).Count == 2, "both call attempts");
        var facts = driver.FindElement(By.Id("request")).Text;
        Assert.Contains("Best outcome\nanswered", facts, StringComparison.Ordinal);
        Assert.Contains("Business id\norder-77", facts, StringComparison.Ordinal);
        Assert.Contains("driver\nd-9", facts, StringComparison.Ordinal);
        Assert.Equal(userData, driver.FindElement(By.Id("user-data")).Text);

        driver.FindElement(By.CssSelector($"#attempts tr[data-session-id='{answered.SessionId}'] a")).Click();
        console.Eventually(() => driver.FindElement(By.Id("session-id")).Text == answered.SessionId ? "yes" : null, "the call page of the attempt");
    }
}
