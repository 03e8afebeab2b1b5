using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using CallGrains.Api.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using CallGrains.Hosting;
using static CallGrains.Tests.Shared.LoopbackPorts;

namespace CallGrains.Console.Tests;

/// <summary>
/// The service exactly as <c>dotnet run --project src/Api</c> starts it, with an API key configured, on a free
/// loopback port, and one headless browser that the console tests share (one after another).
/// </summary>
public sealed class ConsoleFixture : IAsyncLifetime
{
    public const string ApiKey = "console-test-key";

    /// <summary>A key of tenant "taxi" (userData starting with "taxi-") that may read calls but not changes.</summary>
    public const string TaxiReaderKey = "console-taxi-reader-key";

    /// <summary>Where the tests save their screenshots besides the test output folder (the README's images).</summary>
    public const string ScreenshotFolderVariable = "CALLGRAINS_SCREENSHOTS";

    private WebApplication? _app;
    private Browser? _browser;

    /// <summary>The service clock (when a push is received); moving it makes a push arrive "later".</summary>
    public MovableClock Clock { get; } = new();

    public Uri BaseAddress { get; private set; } = null!;
    public HttpClient Client { get; private set; } = null!;
    public HttpClient Anonymous { get; private set; } = null!;
    public ChromeDriver Driver => _browser!.Driver;

    public async Task InitializeAsync()
    {
        // The browser first: without one, fail before anything else is started.
        _browser = new Browser();
        string[] args =
        [
            "--urls=http://127.0.0.1:0", "--Logging:LogLevel:Default=Warning", $"--CallGrains:ApiKeys:0={ApiKey}",
            $"--CallGrains:Embedded:SiloPort={FreePort()}", $"--CallGrains:Embedded:GatewayPort={FreePort()}",
            "--CallGrains:Tenants:taxi:UserDataPrefixes:0=taxi-", $"--CallGrains:Tenants:taxi:Keys:0:Key={TaxiReaderKey}",
            "--CallGrains:Tenants:taxi:Keys:0:Scopes:0=calls:read", "--CallGrains:Tenants:taxi:Keys:0:Scopes:1=requests:read",
        ];
        _app = CallGrainsApp.Build(args, builder => builder.Services.AddKeyedSingleton<TimeProvider>(ServiceTime.Key, Clock));
        await _app.StartAsync();
        BaseAddress = new Uri(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        Client = new HttpClient { BaseAddress = BaseAddress };
        Client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ApiKey);
        Anonymous = new HttpClient { BaseAddress = BaseAddress };
    }

    public async Task DisposeAsync()
    {
        _browser?.Dispose();
        Client?.Dispose();
        Anonymous?.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }

    /// <summary>
    /// Opens a console page in a browser session that already holds <paramref name="key"/> (or none), as if the user
    /// had typed it into the key dialog earlier in the session (the dialog itself is tested in <c>AccessTests</c>).
    /// </summary>
    public void Open(string path, string? key = ApiKey)
    {
        Driver.Navigate().GoToUrl(new Uri(BaseAddress, "/console/assets/icon.svg"));
        Driver.ExecuteScript(key is null
            ? "sessionStorage.clear();"
            : "sessionStorage.setItem('callgrains.apiKey', arguments[0]);", key);
        Driver.Navigate().GoToUrl(new Uri(BaseAddress, path));
    }

    public async Task PushAsync(IEnumerable<string> pushes)
    {
        foreach (var push in pushes)
        {
            var path = push.Contains("\"feeLst\"", StringComparison.Ordinal) ? "/v1/huawei/fee" : "/v1/huawei/status";
            using var response = await Client.PostAsync(path, new StringContent(push, Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
    }

    /// <summary>Saves the browser's view into the test output folder, and into the README's folder when asked.</summary>
    public void Screenshot(string name, int height = 1000)
    {
        var window = Driver.Manage().Window;
        var size = window.Size;
        window.Size = new System.Drawing.Size(size.Width, height);
        Driver.ExecuteScript("window.scrollTo(0, 0);");
        var shot = Driver.GetScreenshot();
        window.Size = size;
        var folder = Path.Combine(AppContext.BaseDirectory, "screenshots");
        Directory.CreateDirectory(folder);
        shot.SaveAsFile(Path.Combine(folder, name + ".png"));
        if (Environment.GetEnvironmentVariable(ScreenshotFolderVariable) is { Length: > 0 } extra)
        {
            Directory.CreateDirectory(extra);
            shot.SaveAsFile(Path.Combine(extra, name + ".png"));
        }
    }

    /// <summary>Asks the page until <paramref name="probe"/> holds: the console updates itself, so tests wait for it.</summary>
    public T Eventually<T>(Func<T?> probe, string what, double seconds = 15) where T : class
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        Exception? last = null;
        while (true)
        {
            try
            {
                if (probe() is { } value) return value;
            }
            catch (WebDriverException ex)
            {
                // An element replaced between finding and reading it: the page is updating; ask again.
                last = ex;
            }
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"Waited {seconds} s for {what}.", last);
            Thread.Sleep(100);
        }
    }

    public void Eventually(Func<bool> condition, string what, double seconds = 15) =>
        Eventually(() => condition() ? "yes" : null, what, seconds);

}

/// <summary>The real clock plus an offset that only grows.</summary>
public sealed class MovableClock : TimeProvider
{
    private long _offsetTicks;

    public override DateTimeOffset GetUtcNow() => TimeProvider.System.GetUtcNow().AddTicks(Interlocked.Read(ref _offsetTicks));

    public void Advance(TimeSpan by) => Interlocked.Add(ref _offsetTicks, by.Ticks);
}

[CollectionDefinition(Name)]
public sealed class ConsoleCollection : ICollectionFixture<ConsoleFixture>
{
    public const string Name = "console";
}
