using Microsoft.AspNetCore.Builder;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using CallGrains.Api.Hosting;
using CallGrains.Storage;
using CallGrains.Storage.InMemory;
using CallGrains.Tests.Shared;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using CallGrains.Hosting;
using static CallGrains.Tests.Shared.LoopbackPorts;

namespace CallGrains.Api.Tests;

/// <summary>
/// The service exactly as <c>dotnet run --project src/Api</c> starts it (embedded silo, in-memory storage),
/// on a free loopback port, spoken to over real HTTP. API keys are on; <see cref="Anonymous"/> sends none.
/// </summary>
public class ApiFixture : IAsyncLifetime
{
    public const string ApiKey = "test-key-1";

    private WebApplication? _app;
    private SwitchableJournal? _journal;

    /// <summary>The service clock (push receipt, stuck-call deadlines); the silo keeps the real one.</summary>
    public MovableClock Clock { get; } = new();

    public HttpClient Client { get; private set; } = null!;

    /// <summary>The API's services (its meters, its tracer provider).</summary>
    public IServiceProvider Services => _app!.Services;

    public HttpClient Anonymous { get; private set; } = null!;

    protected virtual IEnumerable<string> Settings => [$"--CallGrains:ApiKeys:0={ApiKey}"];

    public async Task InitializeAsync()
    {
        string[] args = ["--urls=http://127.0.0.1:0", "--Logging:LogLevel:Default=Warning", .. await PrepareAsync(), .. Settings];
        _app = CallGrainsApp.Build(args, builder =>
        {
            builder.Services.AddKeyedSingleton<TimeProvider>(ServiceTime.Key, Clock);
            Configure(builder);
        });
        await _app.StartAsync();
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        Client = new HttpClient { BaseAddress = new Uri(address) };
        Client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ApiKey);
        Anonymous = new HttpClient { BaseAddress = new Uri(address) };
    }

    public virtual async Task DisposeAsync()
    {
        Client?.Dispose();
        Anonymous?.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }

    /// <summary>Makes every journal append take <paramref name="delay"/> longer until the returned handle is disposed.</summary>
    public IDisposable SlowStore(TimeSpan delay) => Journal.Slow(delay);

    /// <summary>How often the embedded store's journal was read for <paramref name="sessionId"/>.</summary>
    public int JournalReadsOf(string sessionId) => _journal?.ReadsOf(sessionId) ?? 0;

    /// <summary>Makes the store unavailable until the returned handle is disposed.</summary>
    public virtual Task<IAsyncDisposable> OutageAsync() => Task.FromResult(Journal.Outage());

    // Resolved on first use, which may be a test's outage before any push reached the store.
    private SwitchableJournal Journal => _journal ?? Services.GetRequiredService<SwitchableJournal>();

    /// <summary>Starts what the service needs and returns its settings as command-line switches.</summary>
    protected virtual Task<IEnumerable<string>> PrepareAsync() => Task.FromResult<IEnumerable<string>>(
    [
        $"--CallGrains:Embedded:SiloPort={FreePort()}",
        $"--CallGrains:Embedded:GatewayPort={FreePort()}",
    ]);

    /// <summary>The embedded store behind a switch that can make it fail like a database that went away.</summary>
    protected virtual void Configure(WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton(sp => _journal = new SwitchableJournal(sp.GetRequiredService<InMemoryStore>()));
        builder.Services.AddSingleton<IPushJournal>(sp => sp.GetRequiredService<SwitchableJournal>());
        builder.Services.AddSingleton<IJournalReader>(sp => sp.GetRequiredService<SwitchableJournal>());
        builder.Services.AddSingleton<IPendingJournal>(sp => sp.GetRequiredService<SwitchableJournal>());
    }

    public Task<HttpResponseMessage> PostJsonAsync(string path, string json) =>
        Client.PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json"));

    /// <summary>
    /// Sends each push, where the platform sends it unless <paramref name="send"/> says otherwise, and asserts that
    /// each was acknowledged: what the test reads next then holds them all.
    /// </summary>
    public async Task PushAllAsync(IEnumerable<string> pushes, Func<string, Task<HttpResponseMessage>>? send = null)
    {
        send ??= p => PostJsonAsync(PushPathFor(p), p);
        foreach (var push in pushes)
        {
            using var response = await send(push);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
    }

    /// <summary>Pushes the whole call and returns it, so that a test loads and pushes a call in one expression.</summary>
    public async Task<SampleCall> PushAllAsync(SampleCall call)
    {
        await PushAllAsync(call.Pushes);
        return call;
    }

    public static string PushPathFor(string push) =>
        push.Contains("\"feeLst\"", StringComparison.Ordinal) ? "/v1/huawei/fee" : "/v1/huawei/status";

}

/// <summary>The same service with no API keys configured: business endpoints are open.</summary>
public sealed class OpenApiFixture : ApiFixture
{
    protected override IEnumerable<string> Settings => [];
}

[CollectionDefinition(Name)]
public sealed class ApiCollection : ICollectionFixture<ApiFixture>
{
    public const string Name = "api";
}
