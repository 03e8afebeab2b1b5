using System.Net;
using System.Net.Sockets;
using CallGrains.Webhooks;
using Microsoft.Extensions.Options;

namespace CallGrains.Grains.Tests.Webhooks;

public sealed class WebhookTargetsTests
{
    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("127.10.0.1")]
    [InlineData("10.1.2.3")]
    [InlineData("172.16.0.1")]
    [InlineData("172.31.255.255")]
    [InlineData("192.168.1.1")]
    [InlineData("169.254.169.254")]
    [InlineData("100.64.0.1")]
    [InlineData("0.0.0.0")]
    [InlineData("224.0.0.1")]
    [InlineData("255.255.255.255")]
    [InlineData("::1")]
    [InlineData("::")]
    [InlineData("fe80::1")]
    [InlineData("fc00::1")]
    [InlineData("fd00:ec2::254")]
    [InlineData("ff02::1")]
    [InlineData("::ffff:127.0.0.1")]
    [InlineData("::ffff:169.254.169.254")]
    [InlineData("64:ff9b::a00:1")]
    [InlineData("2002:c0a8:101::1")]
    public void Loopback_private_link_local_metadata_and_reserved_addresses_are_forbidden(string address)
    {
        Assert.True(WebhookTargets.IsForbidden(IPAddress.Parse(address)));
    }

    [Theory]
    [InlineData("8.8.8.8")]
    [InlineData("172.32.0.1")]
    [InlineData("203.0.113.10")]
    [InlineData("2606:4700:4700::1111")]
    [InlineData("::ffff:8.8.8.8")]
    public void Public_addresses_are_allowed(string address)
    {
        Assert.False(WebhookTargets.IsForbidden(IPAddress.Parse(address)));
    }

    [Theory]
    [InlineData("ftp://203.0.113.10/hooks")]
    [InlineData("/hooks/calls")]
    [InlineData("file:///etc/passwd")]
    [InlineData("https://user:pass@203.0.113.10/hooks")]
    [InlineData("http://127.0.0.1:8080/hooks")]
    [InlineData("http://[::1]/hooks")]
    [InlineData("http://169.254.169.254/latest/meta-data/")]
    [InlineData("http://localhost/hooks")]
    [InlineData("http://2130706433/hooks")]
    public async Task A_url_that_is_not_public_http_is_refused(string url)
    {
        var targets = new WebhookTargets(Options.Create(new WebhookOptions()));

        Assert.NotNull(await targets.RefusalAsync(url));
    }

    [Fact]
    public async Task A_public_address_is_accepted_and_with_the_switch_on_a_private_one_too()
    {
        var strict = new WebhookTargets(Options.Create(new WebhookOptions()));
        var open = new WebhookTargets(Options.Create(new WebhookOptions { AllowPrivateTargets = true }));

        Assert.Null(await strict.RefusalAsync("https://203.0.113.10/hooks"));
        Assert.Null(await open.RefusalAsync("http://127.0.0.1:8080/hooks"));
        Assert.NotNull(await open.RefusalAsync("ftp://127.0.0.1/hooks"));
    }

    [Fact]
    public async Task A_connection_to_a_forbidden_address_is_refused_when_it_is_made_not_only_when_the_url_was_accepted()
    {
        // Stands for a name that resolved to a public address at creation and resolves to loopback now (DNS rebinding).
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var targets = new WebhookTargets(Options.Create(new WebhookOptions()));
        using var client = new HttpClient(new SocketsHttpHandler { ConnectCallback = targets.ConnectAsync });

        var refused = await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync($"http://localhost:{port}/hooks"));

        Assert.Contains("refused", refused.ToString());
        Assert.False(listener.Pending());
    }

    [Fact]
    public void Retries_wait_longer_each_time_up_to_the_maximum()
    {
        var options = new WebhookOptions { FirstRetryDelay = TimeSpan.FromSeconds(5), MaxRetryDelay = TimeSpan.FromMinutes(1) };

        Assert.Equal([5, 10, 20, 40, 60, 60], Enumerable.Range(1, 6).Select(n => options.RetryDelay(n).TotalSeconds));
    }
}
