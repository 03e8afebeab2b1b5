using System.Net;
using System.Net.Http.Json;

namespace CallGrains.Client;

public sealed partial class CallGrainsClient
{
    /// <summary>Registers (or updates) the business request behind calls with this <paramref name="userData"/>.</summary>
    public async Task<Registration> PutRequestAsync(string userData, BusinessRequest request, CancellationToken cancellationToken = default)
    {
        using var response = await http.PutAsJsonAsync($"v1/requests/{Segment(userData)}", request, Json, cancellationToken).ConfigureAwait(false);
        await CallGrainsException.ThrowIfFailedAsync(response, cancellationToken).ConfigureAwait(false);
        var view = await response.Content.ReadFromJsonAsync<RequestView>(Json, cancellationToken).ConfigureAwait(false);
        return new Registration(view!, response.StatusCode == HttpStatusCode.Created);
    }

    /// <summary>The request and its calls, or null when it was neither registered nor seen in a push.</summary>
    public Task<RequestView?> GetRequestAsync(string userData, CancellationToken cancellationToken = default) =>
        GetOrNullAsync<RequestView>($"v1/requests/{Segment(userData)}", cancellationToken);

    /// <summary>Every request registered under one business id (e.g. every call attempt of one order).</summary>
    public async Task<IReadOnlyList<RequestView>> ListRequestsAsync(string businessId, CancellationToken cancellationToken = default) =>
        (await GetAsync<RequestList>("v1/requests" + Query(("businessId", businessId)), cancellationToken).ConfigureAwait(false)).Items;
}
