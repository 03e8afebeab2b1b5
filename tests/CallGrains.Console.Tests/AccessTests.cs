using System.Net;
using System.Text.RegularExpressions;
using CallGrains.Tests.Shared;
using OpenQA.Selenium;

namespace CallGrains.Console.Tests;

[Collection(ConsoleCollection.Name)]
public sealed partial class AccessTests(ConsoleFixture console)
{
    [Fact]
    public async Task WithoutAKeyTheBoardShowsNoDataAndAsksForOne()
    {
        await console.PushAsync(SampleCall.Load("verification-code").Pushes);

        console.Open("/console", key: null);

        var dialog = console.Eventually(() => VisibleDialog(), "the key dialog");
        Assert.Contains("needs an API key", dialog.Text, StringComparison.Ordinal);
        Assert.Empty(console.Driver.FindElements(By.CssSelector("#calls tbody tr")));
        Assert.Equal("…", console.Driver.FindElement(By.Id("count-in-progress")).Text);
    }

    [Fact]
    public async Task AWrongKeyIsToldSoAndTheRightOneShowsTheCalls()
    {
        var call = SampleCall.Load("verification-code");
        await console.PushAsync(call.Pushes);
        console.Open("/console", key: null);

        console.Eventually(() => VisibleDialog(), "the key dialog");
        TypeKey("not-the-key");
        var refused = console.Eventually(() => VisibleDialog() is { } d && d.Text.Contains("refused", StringComparison.Ordinal) ? d : null, "the refusal");
        Assert.Contains("The key was refused: The API key is not valid.", refused.Text, StringComparison.Ordinal);
        Assert.Empty(console.Driver.FindElements(By.CssSelector("#calls tbody tr")));

        TypeKey(ConsoleFixture.ApiKey);
        console.Eventually(() => console.Driver.FindElements(By.CssSelector("#calls tbody tr"))
            .Any(r => r.GetAttribute("data-session-id") == call.SessionId), "the calls after the right key");
        Assert.DoesNotContain(ConsoleFixture.ApiKey, console.Driver.Url, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/console")]
    [InlineData("/console/calls/some%2Fsession@example")]
    [InlineData("/console/requests/taxi-order-1")]
    public async Task PagesNeedNoKeyHoldNoInlineScriptAndForbidAnyOtherSource(string path)
    {
        using var response = await console.Anonymous.GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        var policy = string.Join(";", response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("default-src 'none'", policy, StringComparison.Ordinal);
        Assert.Contains("script-src 'self'", policy, StringComparison.Ordinal);
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        var html = await response.Content.ReadAsStringAsync();
        Assert.DoesNotMatch(InlineScript(), html);
        Assert.DoesNotContain("http://", html, StringComparison.Ordinal);
        Assert.DoesNotContain("https://", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ATenantsReadOnlyKeyShowsOnlyThatTenantsCallsAndSaysTheBoardIsNotLive()
    {
        var taxi = SampleCall.Load("verification-code", userData: $"taxi-{Guid.NewGuid():N}");
        var courier = SampleCall.Load("verification-code", userData: $"courier-{Guid.NewGuid():N}");
        await console.PushAsync(courier.Pushes);
        await console.PushAsync(taxi.Pushes);

        console.Open("/console", key: ConsoleFixture.TaxiReaderKey);

        console.Eventually(() => SessionIds().Contains(taxi.SessionId), "the tenant's call on the board");
        Assert.DoesNotContain(courier.SessionId, SessionIds());
        console.Eventually(() => console.Driver.FindElement(By.Id("live")).Text.StartsWith("not live", StringComparison.Ordinal), "the board to say it is not live");
    }

    private IEnumerable<string?> SessionIds() =>
        console.Driver.FindElements(By.CssSelector("#calls tbody tr")).Select(row => row.GetAttribute("data-session-id"));

    [Fact]
    public async Task AnUnknownAssetIsNotFound()
    {
        using var response = await console.Anonymous.GetAsync("/console/assets/nothing.js");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    private IWebElement? VisibleDialog()
    {
        var dialog = console.Driver.FindElement(By.Id("key-dialog"));
        return dialog.Displayed ? dialog : null;
    }

    private void TypeKey(string key)
    {
        var input = console.Driver.FindElement(By.Id("api-key"));
        input.Clear();
        input.SendKeys(key);
        input.SendKeys(Keys.Enter);
    }

    [GeneratedRegex(@"<script(?![^>]*\bsrc=)[^>]*>", RegexOptions.IgnoreCase)]
    private static partial Regex InlineScript();
}
