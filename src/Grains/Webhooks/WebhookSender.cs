using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;

namespace CallGrains.Webhooks;

/// <summary>
/// One attempt to deliver one message: a signed POST through the webhook client (no redirects followed, every
/// connection checked by <see cref="WebhookTargets"/>, 10 s per attempt), reading at most
/// <see cref="WebhookOptions.MaxResponseBytes"/> of the answer. Never throws for the receiver's sake: every outcome is a result.
/// </summary>
public sealed class WebhookSender(IHttpClientFactory clients, TimeProvider time)
{
    public const string ClientName = "callgrains-webhooks";
    private const int MaxErrorLength = 200;

    public async Task<SendResult> SendAsync(
        string url, string messageId, string body, IReadOnlyList<string> secrets, CancellationToken cancellationToken = default)
    {
        var timestamp = time.GetUtcNow().ToUnixTimeSeconds();
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body)) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        request.Headers.TryAddWithoutValidation(WebhookSignature.IdHeader, messageId);
        request.Headers.TryAddWithoutValidation(WebhookSignature.TimestampHeader, timestamp.ToString(CultureInfo.InvariantCulture));
        request.Headers.TryAddWithoutValidation(WebhookSignature.SignatureHeader, WebhookSignature.Header(secrets, messageId, timestamp, body));

        var started = Stopwatch.GetTimestamp();
        try
        {
            using var response = await clients.CreateClient(ClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            var status = (int)response.StatusCode;
            var text = await ReadSomeAsync(response, cancellationToken);
            var error = response.IsSuccessStatusCode ? null : Shorten($"HTTP {status} {response.ReasonPhrase} {text}".Trim());
            return new SendResult(status, Stopwatch.GetElapsedTime(started), error);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested && ex is not OutOfMemoryException)
        {
            // Timeouts (the resilience pipeline's), refused targets, unreachable hosts, broken connections: all a failed attempt.
            var error = ex switch
            {
                Polly.Timeout.TimeoutRejectedException or TaskCanceledException => $"no answer within {WebhookOptions.AttemptTimeout.TotalSeconds:0} s",
                _ => Shorten(ex.InnerException is { } inner ? $"{ex.Message} ({inner.Message})" : ex.Message),
            };
            return new SendResult(null, Stopwatch.GetElapsedTime(started), error);
        }
    }

    /// <summary>The start of the answer (for lastError), never more than the limit, however much the receiver sends.</summary>
    private static async Task<string> ReadSomeAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        var buffer = new byte[WebhookOptions.MaxResponseBytes];
        var read = 0;
        while (read < buffer.Length)
        {
            var n = await stream.ReadAsync(buffer.AsMemory(read), cancellationToken);
            if (n == 0) break;
            read += n;
        }
        return Encoding.UTF8.GetString(buffer, 0, read);
    }

    private static string Shorten(string text)
    {
        var clean = new string([.. text.Select(c => char.IsControl(c) ? ' ' : c)]);
        return clean.Length <= MaxErrorLength ? clean : clean[..MaxErrorLength] + "…";
    }
}

/// <summary>How one attempt went: a 2xx <see cref="StatusCode"/> is delivered.</summary>
public sealed record SendResult(int? StatusCode, TimeSpan Duration, string? Error)
{
    public bool Delivered => StatusCode is >= 200 and < 300;
}
