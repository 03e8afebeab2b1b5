using System.Globalization;
using System.Net.Http.Json;
using System.Runtime.CompilerServices;

namespace CallGrains.Client;

public sealed partial class CallGrainsClient
{
    /// <summary>The call's view, or null when no push for it was ever stored.</summary>
    public Task<Call?> GetCallAsync(string sessionId, CancellationToken cancellationToken = default) =>
        GetOrNullAsync<Call>($"v1/calls/{Segment(sessionId)}", cancellationToken);

    /// <summary>Every push item stored for the call, in arrival order; null when there is none.</summary>
    public Task<IReadOnlyList<CallEvent>?> GetCallEventsAsync(string sessionId, CancellationToken cancellationToken = default) =>
        GetOrNullAsync<IReadOnlyList<CallEvent>>($"v1/calls/{Segment(sessionId)}/events", cancellationToken);

    /// <summary>One page of calls matching <paramref name="query"/>, newest first.</summary>
    public Task<CallPage> ListCallsAsync(CallQuery? query = null, CancellationToken cancellationToken = default)
    {
        query ??= new CallQuery();
        return GetAsync<CallPage>("v1/calls" + Query(
            ("userData", query.UserData), ("status", query.Status), ("outcome", query.Outcome),
            ("since", query.Since?.UtcDateTime.ToString("O", CultureInfo.InvariantCulture)),
            ("until", query.Until?.UtcDateTime.ToString("O", CultureInfo.InvariantCulture)),
            ("limit", query.Limit?.ToString(CultureInfo.InvariantCulture)), ("cursor", query.Cursor)), cancellationToken);
    }

    /// <summary>Every call matching <paramref name="query"/>, page after page, newest first.</summary>
    public async IAsyncEnumerable<Call> ListAllCallsAsync(CallQuery? query = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        query ??= new CallQuery();
        while (true)
        {
            var page = await ListCallsAsync(query, cancellationToken).ConfigureAwait(false);
            foreach (var call in page.Items) yield return call;
            if (page.Next is null) yield break;
            query = query with { Cursor = page.Next };
        }
    }
}
