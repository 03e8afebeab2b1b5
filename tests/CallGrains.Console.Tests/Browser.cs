using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;

namespace CallGrains.Console.Tests;

/// <summary>
/// Headless Chromium from Debian's packages, driven by Debian's chromedriver (same build, so their versions always
/// match). Nothing is downloaded: both paths are given, so Selenium never looks for a browser of its own.
/// </summary>
public sealed class Browser : IDisposable
{
    public const string DefaultChromium = "/usr/bin/chromium";
    public const string DefaultDriver = "/usr/bin/chromedriver";

    private readonly string _profile = Path.Combine(Path.GetTempPath(), $"callgrains-console-{Guid.NewGuid():N}");

    public Browser()
    {
        var chromium = Environment.GetEnvironmentVariable("CALLGRAINS_CHROMIUM") ?? DefaultChromium;
        var driver = Environment.GetEnvironmentVariable("CALLGRAINS_CHROMEDRIVER") ?? DefaultDriver;
        // Missing browser is a failure, never a skip: a console nobody tested must not pass as tested.
        if (!File.Exists(chromium) || !File.Exists(driver))
            throw new InvalidOperationException(
                $"The console tests need Chromium ({chromium}) and chromedriver ({driver}): install Debian's packages " +
                "'chromium' and 'chromium-driver' (./test.sh does when run as root), or set CALLGRAINS_CHROMIUM and CALLGRAINS_CHROMEDRIVER.");

        var options = new ChromeOptions { BinaryLocation = chromium };
        options.AddArguments(
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--disable-dev-shm-usage", $"--user-data-dir={_profile}", "--window-size=1280,1000");
        var service = ChromeDriverService.CreateDefaultService(Path.GetDirectoryName(driver)!, Path.GetFileName(driver));
        service.SuppressInitialDiagnosticInformation = true;
        service.HideCommandPromptWindow = true;
        Driver = new ChromeDriver(service, options, TimeSpan.FromSeconds(120));
        // The machine is shared and slow at times: generous page loads, no implicit waits (tests wait explicitly).
        Driver.Manage().Timeouts().PageLoad = TimeSpan.FromSeconds(60);
    }

    public ChromeDriver Driver { get; }

    public void Dispose()
    {
        Driver.Quit();
        Driver.Dispose();
        try
        {
            Directory.Delete(_profile, recursive: true);
        }
        catch (IOException)
        {
            // The browser may still hold a file for a moment; a leftover profile in /tmp harms nothing.
        }
    }
}
