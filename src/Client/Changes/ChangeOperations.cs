using System.Globalization;
using System.Net.Http.Headers;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;

namespace CallGrains.Client;

public sealed partial class CallGrainsClient
{
    /// <summary>The longest wait between two reconnection attempts of <see cref="StreamChangesAsync"/>.</summary>
    public static readonly TimeSpan MaxReconnectDelay = TimeSpan.FromSeconds(30);

    /// <summary>
    /// A stream line longer than this is not a change the service wrote (a change carries one call view): the stream
    /// is dropped and resumed rather than buffered without bound.
    /// </summary>
    public const int MaxEventBytes = 4 * 1024 * 1024;

    /// <summary>One page of changes after <see cref="ChangeQuery.After"/> (default 0), oldest first.</summary>
    public Task<ChangePage> GetChangesAsync(ChangeQuery? query = null, CancellationToken cancellationToken = default)
    {
        query ??= new ChangeQuery();
        return GetAsync<ChangePage>("v1/changes" + Query(
            ("after", (query.After ?? 0).ToString(CultureInfo.InvariantCulture)),
            ("limit", query.Limit?.ToString(CultureInfo.InvariantCulture)),
            ("userData", query.UserData), ("type", query.Type)), cancellationToken);
    }

    /// <summary>
    /// The live change feed (<c>GET /v1/changes/stream</c>) as it happens, for as long as it is enumerated. A dropped
    /// connection is resumed from the last change received (<c>Last-Event-ID</c>), after a growing delay, so no change
    /// is missed or repeated across reconnects. An answer other than 200 (a bad key, a bad filter) ends it with
    /// <see cref="CallGrainsException"/>; a 503 or a network failure is retried.
    /// </summary>
    public async IAsyncEnumerable<Change> StreamChangesAsync(ChangeQuery? query = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        query ??= new ChangeQuery();
        long? last = query.After;
        var failures = 0;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var path = "v1/changes/stream" + Query(("userData", query.UserData), ("type", query.Type),
                ("after", last?.ToString(CultureInfo.InvariantCulture)));
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
            if (last is { } seq) request.Headers.Add("Last-Event-ID", seq.ToString(CultureInfo.InvariantCulture));

            HttpResponseMessage? response = null;
            IAsyncEnumerator<SseItem<Change?>>? events = null;
            try
            {
                try
                {
                    response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
                    if ((int)response.StatusCode is 502 or 503 or 504) throw new HttpRequestException($"HTTP {(int)response.StatusCode}");
                    await CallGrainsException.ThrowIfFailedAsync(response, cancellationToken).ConfigureAwait(false);
                    var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
                    events = SseParser.Create(new BoundedStream(body, MaxEventBytes), ParseChange).EnumerateAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);
                }
                catch (Exception ex) when (IsTransient(ex, cancellationToken))
                {
                    events = null;
                }

                while (events is not null)
                {
                    SseItem<Change?> item;
                    try
                    {
                        if (!await events.MoveNextAsync().ConfigureAwait(false)) break;
                        item = events.Current;
                    }
                    catch (Exception ex) when (IsTransient(ex, cancellationToken))
                    {
                        break;
                    }
                    if (item.Data is not { } change) continue;
                    failures = 0;
                    last = change.Seq;
                    yield return change;
                }
            }
            finally
            {
                if (events is not null) await events.DisposeAsync().ConfigureAwait(false);
                response?.Dispose();
            }

            // The stream ended or broke: resume after a pause that grows while failures repeat.
            failures++;
            var delay = TimeSpan.FromMilliseconds(Math.Min(MaxReconnectDelay.TotalMilliseconds, 250 * Math.Pow(2, Math.Min(failures - 1, 10))));
            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
        }
    }

    private static Change? ParseChange(string eventType, ReadOnlySpan<byte> data) =>
        eventType is Change.Updated or Change.Final ? JsonSerializer.Deserialize<Change>(data, Json) : null;

    private static bool IsTransient(Exception ex, CancellationToken cancellationToken) =>
        !cancellationToken.IsCancellationRequested && ex is HttpRequestException or IOException or TaskCanceledException or BoundedStream.TooLongException;
}
