using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using StandardWebhooks;

namespace CallGrains.Api.Tests;

/// <summary>
/// A backend that receives webhooks: Kestrel on a loopback port, one path per <see cref="Hook"/>, recording every
/// request it gets and answering with the hook's current status code.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, Hook> _hooks = new(StringComparer.Ordinal);
    private WebApplication _app = null!;
    private string _baseUrl = "";

    public static async Task<WebhookReceiver> StartAsync()
    {
        var receiver = new WebhookReceiver();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        receiver._app = builder.Build();
        receiver._app.MapPost("/hooks/{name}", receiver.ReceiveAsync);
        await receiver._app.StartAsync();
        receiver._baseUrl = receiver._app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return receiver;
    }

    public Hook Add()
    {
        var name = Guid.NewGuid().ToString("N");
        return _hooks[name] = new Hook($"{_baseUrl}/hooks/{name}");
    }

    private async Task<IResult> ReceiveAsync(string name, HttpRequest request)
    {
        if (!_hooks.TryGetValue(name, out var hook)) return Results.NotFound();
        var at = DateTimeOffset.UtcNow;
        using var reader = new StreamReader(request.Body);
        var body = await reader.ReadToEndAsync();
        var status = hook.StatusCode;
        hook.Record(new Received(at, new HeaderDictionary(request.Headers.ToDictionary(h => h.Key, h => h.Value)), body, status));
        using (hook.Answering())
        {
            if (hook.Delay > TimeSpan.Zero) await Task.Delay(hook.Delay);
        }
        return Results.StatusCode(status);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>One receiving URL and what arrived there.</summary>
public sealed class Hook(string url)
{
    private readonly ConcurrentQueue<Received> _received = new();

    public string Url { get; } = url;

    /// <summary>What the receiver answers from now on.</summary>
    public int StatusCode { get; set; } = 200;

    /// <summary>How long the receiver takes to answer.</summary>
    public TimeSpan Delay { get; set; }

    public IReadOnlyList<Received> Received => [.. _received];

    /// <summary>The requests answered with a 2xx, in arrival order.</summary>
    public IReadOnlyList<Received> Delivered => [.. _received.Where(r => r.Status is >= 200 and < 300)];

    internal void Record(Received received) => _received.Enqueue(received);

    private int _answering;
    private int _mostAnswering;

    /// <summary>The most requests this hook was answering at one time.</summary>
    public int MostAtOnce => Volatile.Read(ref _mostAnswering);

    internal IDisposable Answering()
    {
        var now = Interlocked.Increment(ref _answering);
        for (var most = MostAtOnce; now > most; most = MostAtOnce)
            if (Interlocked.CompareExchange(ref _mostAnswering, now, most) == most) break;
        return new Done(this);
    }

    private sealed class Done(Hook hook) : IDisposable
    {
        public void Dispose() => Interlocked.Decrement(ref hook._answering);
    }

    /// <summary>Waits until <paramref name="condition"/> holds for what arrived; fails after <paramref name="timeout"/>.</summary>
    public async Task WaitUntilAsync(Func<Hook, bool> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTimeOffset.UtcNow + timeout;
        while (!condition(this))
        {
            if (DateTimeOffset.UtcNow > deadline) Assert.Fail($"Timed out after {timeout.TotalSeconds} s waiting for {what}; {_received.Count} requests arrived.");
            await Task.Delay(50);
        }
    }
}

/// <summary>One request as the receiver got it, with its answer.</summary>
public sealed record Received(DateTimeOffset At, IHeaderDictionary Headers, string Body, int Status)
{
    public JsonElement Message => JsonDocument.Parse(Body).RootElement;

    public JsonElement Change => Message.GetProperty("data");

    public string SessionId => Change.GetProperty("sessionId").GetString()!;

    public int Version => Change.GetProperty("version").GetInt32();

    public string Type => Message.GetProperty("type").GetString()!;

    /// <summary>
    /// Checks the signature as a backend would, with the Standard Webhooks library (not CallGrains' own code), keyed with
    /// the secret's base64-decoded bytes. It also refuses a timestamp more than 5 minutes away.
    /// During a rotation the header carries two signatures: each is given to the library alone, so that a pass means
    /// this secret's own signature is there.
    /// </summary>
    public void Verify(string secret)
    {
        var webhook = new StandardWebhook(KeyOf(secret));
        var failures = new List<Exception>();
        foreach (var signature in Headers["webhook-signature"].ToString().Split(' '))
        {
            var one = new HeaderDictionary(Headers.ToDictionary(h => h.Key, h => h.Value)) { ["webhook-signature"] = signature };
            try
            {
                webhook.Verify(Body, one);
                return;
            }
            catch (Exception ex)
            {
                failures.Add(ex);
            }
        }
        throw new AggregateException("No signature verifies with this secret.", failures);
    }

    public static byte[] KeyOf(string secret) => Convert.FromBase64String(secret.StartsWith("whsec_", StringComparison.Ordinal) ? secret[6..] : secret);

    public override string ToString() => $"{Status} {Headers["webhook-id"]} at {At:HH:mm:ss.fff}";
}
