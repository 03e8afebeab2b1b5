using System.Net;
using System.Net.Sockets;
using CallGrains.Api.Hosting;
using CallGrains.Silo;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using static CallGrains.Tests.Shared.LoopbackPorts;

namespace CallGrains.Api.Tests;

/// <summary>
/// Every options class, bound the way the hosts bind it: each test starts a real host as users start it, with one
/// bad value, and expects it to refuse before it listens or connects, with the full key in the message.
/// </summary>
public sealed class StartupOptionsTests
{
    /// <summary>Nothing listens on port 1: a host that tried to connect would fail differently (and later).</summary>
    private const string UnreachableDatabase = "--ConnectionStrings:CallGrains=Host=127.0.0.1;Port=1;Username=nobody;Timeout=1";

    private static string[] EmbeddedApi(string setting) =>
    [
        "--urls=http://127.0.0.1:0",
        "--Logging:LogLevel:Default=Warning",
        $"--CallGrains:Embedded:SiloPort={FreePort()}",
        $"--CallGrains:Embedded:GatewayPort={FreePort()}",
        setting, // last, so it wins over the ports above
    ];

    private static string[] ClusterApi(string setting) =>
        ["--urls=http://127.0.0.1:0", "--Logging:LogLevel:Default=Warning", UnreachableDatabase, "--CallGrains:ApiKeys:0=k", setting];

    private static string[] Silo(params string[] settings) =>
    [
        "--Logging:LogLevel:Default=Warning",
        $"--CallGrains:Cluster:SiloPort={FreePort()}",
        $"--CallGrains:Cluster:GatewayPort={FreePort()}",
        .. settings,
    ];

    [Theory]
    [InlineData("CallGrains:MaxBodyBytes", "0")]                           // CallGrainsOptions
    [InlineData("CallGrains:RetryAfterSeconds", "0")]
    [InlineData("CallGrains:Embedded:SiloPort", "0")]                      // CallGrainsOptions, nested
    [InlineData("CallGrains:Embedded:GatewayPort", "70000")]
    [InlineData("CallGrains:StuckCalls:StaleAfterMinutes", "0")]           // StuckCallOptions
    [InlineData("CallGrains:StuckCalls:CdrOverdueAfterMinutes", "-5")]
    [InlineData("CallGrains:Limits:RequestTimeoutSeconds", "0")]           // HttpLimits
    [InlineData("CallGrains:Limits:PushesPerSecondPerClient", "-1")]
    [InlineData("CallGrains:PushAuthentication:CreatedWindowSeconds", "0")] // PushAuthenticationOptions
    [InlineData("CallGrains:PushAuthentication:MaxRememberedNonces", "10")]
    [InlineData("CallGrains:Limits:MaxCallsPerUserData", "0")]             // RequestLimits (read by the embedded silo's grains)
    [InlineData("CallGrains:Limits:MaxCallsPerUserData", "100001")]
    [InlineData("CallGrains:Webhooks:MaxConcurrentSessions", "0")]         // WebhookOptions (the API and the embedded silo)
    [InlineData("CallGrains:Webhooks:DisableAfter", "00:00:00")]
    public async Task The_embedded_api_with_an_out_of_range_setting_refuses_to_start_and_names_the_key(string key, string value)
    {
        var error = await StartupFailureAsync(() => CallGrainsApp.Build(EmbeddedApi($"--{key}={value}")));

        var invalid = Assert.IsType<OptionsValidationException>(error);
        Assert.Contains(key, invalid.Message, StringComparison.Ordinal);
        Assert.Contains($"(was {value})", invalid.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_api_with_a_setting_that_is_not_a_number_refuses_to_start_and_names_the_key()
    {
        var error = await StartupFailureAsync(() => CallGrainsApp.Build(EmbeddedApi("--CallGrains:RetryAfterSeconds=soon")));

        Assert.IsType<InvalidOperationException>(error);
        Assert.Contains("CallGrains:RetryAfterSeconds", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("CallGrains:Cluster:ResponseTimeoutSeconds", "0")]
    [InlineData("CallGrains:Cluster:ClusterId", "")]
    [InlineData("CallGrains:Cluster:Role", "5")]
    [InlineData("CallGrains:GroupCommit:Writers", "0")] // a node is a silo on PostgreSQL: it binds the journal writer's settings
    public async Task The_api_in_cluster_mode_with_a_bad_cluster_setting_refuses_to_start_before_connecting_and_names_the_key(string key, string value)
    {
        var error = await StartupFailureAsync(() => CallGrainsApp.Build(ClusterApi($"--{key}={value}")));

        var invalid = Assert.IsType<OptionsValidationException>(error);
        Assert.Contains(key, invalid.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("CallGrains:Cluster:SiloPort", "0", false)]
    [InlineData("CallGrains:Cluster:ProbeTimeoutSeconds", "61", false)]
    [InlineData("CallGrains:Cluster:ResponseTimeoutSeconds", "0", true)]
    [InlineData("CallGrains:Limits:MaxCallsPerUserData", "0", true)]
    [InlineData("CallGrains:Webhooks:MaxSubscriptions", "0", false)]
    [InlineData("CallGrains:Webhooks:FirstRetryDelay", "00:00:00", true)]
    public async Task A_silo_with_an_out_of_range_cluster_setting_refuses_to_start_and_names_the_key(string key, string value, bool onPostgres)
    {
        string[] args = onPostgres ? Silo(UnreachableDatabase, $"--{key}={value}") : Silo($"--{key}={value}");

        var error = await StartupFailureAsync(() => SiloHost.Build(args));

        var invalid = Assert.IsType<OptionsValidationException>(error);
        Assert.Contains(key, invalid.Message, StringComparison.Ordinal);
        Assert.Contains($"(was {value})", invalid.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("CallGrains:GroupCommit:Writers", "0")]
    [InlineData("CallGrains:GroupCommit:Writers", "1000")]
    [InlineData("CallGrains:GroupCommit:MaxBatch", "0")]
    [InlineData("CallGrains:GroupCommit:LingerMs", "-1")]
    public async Task A_silo_with_an_out_of_range_group_commit_setting_refuses_to_start_and_names_the_key(string key, string value)
    {
        var error = await StartupFailureAsync(() => SiloHost.Build(Silo(UnreachableDatabase, $"--{key}={value}")));

        var invalid = Assert.IsType<OptionsValidationException>(error);
        Assert.Contains(key, invalid.Message, StringComparison.Ordinal);
        Assert.Contains($"(was {value})", invalid.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_silo_in_memory_mode_does_not_read_the_group_commit_settings()
    {
        // The writer only exists on PostgreSQL; a leftover setting must not stop a silo that has no use for it.
        using var silo = SiloHost.Build(Silo("--CallGrains:GroupCommit:Writers=0"));
        await silo.StartAsync();
        await silo.StopAsync();
    }

    /// <summary>Builds and starts the host as Program.cs does; the failure may come from either step.</summary>
    private static async Task<Exception> StartupFailureAsync(Func<IHost> build) =>
        await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            var host = build();
            try
            {
                await host.StartAsync();
                await host.StopAsync();
            }
            finally
            {
                if (host is IAsyncDisposable asyncDisposable) await asyncDisposable.DisposeAsync();
                else host.Dispose();
            }
        });

}
