using System.Net;
using System.Text;
using CallGrains.Client;
using CallGrains.Tests.Shared;

namespace CallGrains.Api.Tests;

/// <summary>CallGrains.Client against the embedded service over real HTTP, as a backend would use it.</summary>
[Collection(ApiCollection.Name)]
public sealed class ClientTests(ApiFixture api)
{
    private CallGrainsClient Client(HttpMessageHandler? handler = null, string? key = ApiFixture.ApiKey)
    {
        var http = handler is null ? new HttpClient() : new HttpClient(handler);
        CallGrainsClient.Configure(http, api.Client.BaseAddress!, key);
        return new CallGrainsClient(http);
    }

    [Fact]
    public async Task A_pushed_call_reads_back_as_a_typed_view_with_its_events_and_in_lists()
    {
        var userData = $"client-{Guid.NewGuid():N}";
        var first = await api.PushAllAsync(SampleCall.Load("callback-connected", userData: userData));
        var second = await api.PushAllAsync(SampleCall.Load("verification-code", userData: userData));
        var client = Client();

        var call = await client.GetCallAsync(first.SessionId);
        var events = await client.GetCallEventsAsync(first.SessionId);
        var page = await client.ListCallsAsync(new CallQuery { UserData = userData, Limit = 1 });
        var all = await client.ListAllCallsAsync(new CallQuery { UserData = userData, Limit = 1 }).ToListAsync();

        Assert.NotNull(call);
        Assert.True(call.Final);
        Assert.Equal("answered", call.Outcome);
        Assert.Equal(userData, call.UserData);
        Assert.Equal(call.Version, events!.Count);
        Assert.All(events, e => Assert.Equal(System.Text.Json.JsonValueKind.Object, e.Body.ValueKind));
        Assert.Single(page.Items);
        Assert.NotNull(page.Next);
        Assert.Equal(new[] { first.SessionId, second.SessionId }.Order(StringComparer.Ordinal), all.Select(c => c.SessionId).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task An_unknown_call_is_null_and_a_wrong_key_is_a_401_exception()
    {
        Assert.Null(await Client().GetCallAsync($"nobody-{Guid.NewGuid():N}"));

        var refused = await Assert.ThrowsAsync<CallGrainsException>(() => Client(key: "wrong").GetCallAsync("x"));

        Assert.Equal(HttpStatusCode.Unauthorized, refused.Status);
        Assert.Equal("The API key is not valid.", refused.Detail);
    }

    [Fact]
    public async Task A_request_registers_once_then_updates_and_lists_its_calls()
    {
        var userData = $"client-order-{Guid.NewGuid():N}";
        var businessId = $"order-{Guid.NewGuid():N}";
        var client = Client();

        var created = await client.PutRequestAsync(userData, new BusinessRequest("taxi-order", businessId, new Dictionary<string, string> { ["driver"] = "d-9" }));
        var updated = await client.PutRequestAsync(userData, new BusinessRequest("taxi-order", businessId));
        var call = await api.PushAllAsync(SampleCall.Load("notification-collect", userData: userData));
        var request = await client.GetRequestAsync(userData);
        var listed = await client.ListRequestsAsync(businessId);

        Assert.True(created.Created);
        Assert.False(updated.Created);
        Assert.Equal("d-9", created.Request.Attributes!["driver"]);
        Assert.Equal(call.SessionId, Assert.Single(request!.Calls).SessionId);
        Assert.Equal(userData, Assert.Single(listed).UserData);
    }

    [Fact]
    public async Task The_change_stream_resumes_after_a_dropped_connection_without_losing_or_repeating_a_change()
    {
        var userData = $"client-stream-{Guid.NewGuid():N}";
        var dropping = new DropAfterFirstChange();
        var client = Client(dropping);
        var before = await LastSeqAsync(client);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var call = SampleCall.Load("verification-code", userData: userData);

        await api.PushAllAsync(call);
        var expected = (await client.GetChangesAsync(new ChangeQuery { After = before, UserData = userData, Limit = 500 })).Items;
        var seen = new List<Change>();
        await foreach (var change in client.StreamChangesAsync(new ChangeQuery { After = before, UserData = userData }, stop.Token))
        {
            seen.Add(change);
            if (seen.Count == expected.Count) break;
        }

        Assert.Equal(expected.Select(c => c.Seq), seen.Select(c => c.Seq));
        Assert.True(dropping.Requests >= 2, "the stream was never resumed");
        Assert.Equal(expected[0].Seq.ToString(System.Globalization.CultureInfo.InvariantCulture), dropping.ResumedFrom);
        Assert.Equal(call.SessionId, seen[^1].Call.SessionId);
        Assert.Equal(Change.Final, seen[^1].Type);
    }

    [Fact]
    public void The_webhook_verifier_accepts_the_standard_webhooks_test_vector_and_refuses_tampering_and_old_timestamps()
    {
        // The Standard Webhooks specification's own example (github.com/standard-webhooks/standard-webhooks).
        const string secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        const string id = "msg_p5jXN8AQM9LWM0D4loKWxJek";
        const string timestamp = "1614265330";
        const string body = "{\"test\": 2432232314}";
        const string signature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
        var then = new FixedClock(DateTimeOffset.FromUnixTimeSeconds(1614265330).AddSeconds(30));
        var verifier = new WebhookVerifier(secret, then);

        Assert.True(verifier.IsValid(id, timestamp, signature, body, out _));
        Assert.True(verifier.IsValid(id, timestamp, "v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= " + signature, body, out _));
        Assert.False(verifier.IsValid(id, timestamp, signature, body.Replace("2432232314", "2432232315", StringComparison.Ordinal), out var tampered));
        Assert.Equal("no signature matches", tampered);
        Assert.False(new WebhookVerifier(secret, new FixedClock(DateTimeOffset.FromUnixTimeSeconds(1614265330).AddMinutes(6)))
            .IsValid(id, timestamp, signature, body, out var old));
        Assert.Equal("the timestamp is too old", old);
        Assert.Throws<WebhookVerificationException>(() => verifier.Verify(id, null, signature, body));
    }

    private static async Task<long> LastSeqAsync(CallGrainsClient client)
    {
        long after = 0;
        while (true)
        {
            var page = await client.GetChangesAsync(new ChangeQuery { After = after, Limit = 500 });
            if (page.Items.Count == 0) return after;
            after = page.Next;
        }
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    /// <summary>Cuts the first stream right after its first change, as a proxy or a network would.</summary>
    private sealed class DropAfterFirstChange() : DelegatingHandler(new HttpClientHandler())
    {
        private int _requests;

        public int Requests => _requests;
        public string? ResumedFrom { get; private set; }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            if (!request.RequestUri!.AbsolutePath.EndsWith("/stream", StringComparison.Ordinal)) return response;
            if (Interlocked.Increment(ref _requests) > 1)
            {
                ResumedFrom ??= request.Headers.TryGetValues("Last-Event-ID", out var ids) ? ids.Single() : null;
                return response;
            }
            var body = await response.Content.ReadAsStreamAsync(cancellationToken);
            var cut = new StreamContent(new CutAfterFirstEvent(body));
            foreach (var header in response.Content.Headers) cut.Headers.TryAddWithoutValidation(header.Key, header.Value);
            response.Content = cut;
            return response;
        }
    }

    private sealed class CutAfterFirstEvent(Stream inner) : Stream
    {
        private readonly StringBuilder _seen = new();

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var text = _seen.ToString();
            var firstEvent = text.IndexOf("id: ", StringComparison.Ordinal);
            if (firstEvent >= 0 && text.IndexOf("\n\n", firstEvent, StringComparison.Ordinal) >= 0)
                throw new IOException("connection dropped (test)");
            // One byte at a time, so the cut falls exactly after the first event.
            var read = await inner.ReadAsync(buffer[..1], cancellationToken);
            if (read > 0) _seen.Append((char)buffer.Span[0]);
            return read;
        }

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing) inner.Dispose();
            base.Dispose(disposing);
        }
    }
}
