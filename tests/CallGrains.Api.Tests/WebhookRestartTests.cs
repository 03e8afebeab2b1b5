using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using CallGrains.Api.Hosting;
using CallGrains.Silo;
using CallGrains.Tests.Shared;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using static CallGrains.Tests.Shared.LoopbackPorts;

namespace CallGrains.Api.Tests;

/// <summary>
/// A subscription and its undelivered changes outlive the silo that was delivering them: on PostgreSQL, a silo that
/// replaces it picks the subscription up from the store and delivers every change from the stored cursor, in order.
/// </summary>
public sealed class WebhookRestartTests : IAsyncLifetime
{
    private readonly PostgresServer _postgres = new();
    private WebhookReceiver _receiver = null!;
    private string[] _cluster = [];

    public async Task InitializeAsync()
    {
        await _postgres.InitializeAsync();
        var connectionString = await _postgres.CreateMigratedDatabaseAsync();
        _cluster =
        [
            $"--ConnectionStrings:CallGrains={connectionString}",
            $"--CallGrains:Cluster:ClusterId=webhook-restart-{Guid.NewGuid():N}",
            "--CallGrains:Cluster:ServiceId=webhook-restart",
            "--Logging:LogLevel:Default=Warning",
            .. WebhookTestSettings.All,
        ];
        _receiver = await WebhookReceiver.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _receiver.DisposeAsync();
        await _postgres.DisposeAsync();
    }

    [Fact]
    public async Task Changes_not_yet_delivered_when_the_silo_stops_are_delivered_in_order_by_the_silo_that_replaces_it()
    {
        var hook = _receiver.Add();
        hook.StatusCode = 503;
        var call = SampleCall.Load("callback-connected", userData: $"restart-{Guid.NewGuid():N}");
        int version;

        var first = StartSilo();
        await first.StartAsync();
        await using (var api = await StartApiAsync())
        {
            using var client = new HttpClient { BaseAddress = api.Address };
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "k");
            using var created = await client.PostAsync("/v1/subscriptions",
                new StringContent(JsonSerializer.Serialize(new { url = hook.Url, userDataPrefix = call.UserData }), Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            foreach (var push in call.Pushes)
            {
                using var pushed = await client.PostAsync(ApiFixture.PushPathFor(push), new StringContent(push, Encoding.UTF8, "application/json"));
                Assert.Equal(HttpStatusCode.OK, pushed.StatusCode);
            }
            using var view = JsonDocument.Parse(await client.GetStringAsync($"/v1/calls/{Uri.EscapeDataString(call.SessionId)}"));
            version = view.RootElement.GetProperty("version").GetInt32();
            await hook.WaitUntilAsync(h => h.Received.Count >= 1, TimeSpan.FromSeconds(60), "a failed attempt before the restart");
        }
        await first.StopAsync();
        first.Dispose();
        Assert.Empty(hook.Delivered);

        hook.StatusCode = 200;
        using var second = StartSilo();
        await second.StartAsync();
        await hook.WaitUntilAsync(h => h.Delivered.Count >= version, TimeSpan.FromSeconds(90), "every change after the restart");
        await second.StopAsync();

        Assert.Equal(Enumerable.Range(1, version), hook.Delivered.Select(r => r.Version));
        Assert.All(hook.Delivered, r => Assert.Equal(call.SessionId, r.SessionId));
    }

    private IHost StartSilo() =>
        SiloHost.Build([.. _cluster, $"--CallGrains:Cluster:SiloPort={FreePort()}", $"--CallGrains:Cluster:GatewayPort={FreePort()}", "--urls=http://127.0.0.1:0"]);

    private async Task<RunningApi> StartApiAsync()
    {
        // A separate API tier: the silos alone deliver, so the one that replaces the first is the only one left.
        var app = CallGrainsApp.Build(["--urls=http://127.0.0.1:0", .. _cluster, "--CallGrains:ApiKeys:0=k", "--CallGrains:Cluster:Role=api"]);
        await app.StartAsync();
        return new RunningApi(app, new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()));
    }


    private sealed record RunningApi(WebApplication App, Uri Address) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await App.StopAsync();
            await App.DisposeAsync();
        }
    }
}
