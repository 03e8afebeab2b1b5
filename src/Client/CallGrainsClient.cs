using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace CallGrains.Client;

/// <summary>
/// The business side of the CallGrains API over one <see cref="HttpClient"/> whose <c>BaseAddress</c> is the service
/// and whose default headers carry <c>Authorization: Bearer &lt;key&gt;</c> (see <see cref="Configure"/>). Register it
/// as a typed client (<c>services.AddHttpClient&lt;CallGrainsClient&gt;(...)</c>) or construct it around your own.
/// </summary>
public sealed partial class CallGrainsClient(HttpClient http)
{
    /// <summary>The contract's JSON: camelCase, enums as their kebab-case words, absent facts as null.</summary>
    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    /// <summary>Points <paramref name="client"/> at the service, with the key when one is given.</summary>
    public static void Configure(HttpClient client, Uri baseAddress, string? apiKey)
    {
        client.BaseAddress = baseAddress;
        if (!string.IsNullOrEmpty(apiKey))
            client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", apiKey);
    }

    /// <summary>Ids go into the path escaped, so any character of a session id or userData ('/' and '%' too) reads back.</summary>
    private static string Segment(string id) => Uri.EscapeDataString(id);

    private async Task<T?> GetOrNullAsync<T>(string path, CancellationToken cancellationToken) where T : class
    {
        using var response = await http.GetAsync(path, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound) return null;
        await CallGrainsException.ThrowIfFailedAsync(response, cancellationToken).ConfigureAwait(false);
        return await response.Content.ReadFromJsonAsync<T>(Json, cancellationToken).ConfigureAwait(false);
    }

    private async Task<T> GetAsync<T>(string path, CancellationToken cancellationToken) where T : class =>
        await GetOrNullAsync<T>(path, cancellationToken).ConfigureAwait(false)
        ?? throw new CallGrainsException(HttpStatusCode.NotFound, "Not found", $"{path} was not found.");

    private static string Query(params (string Name, string? Value)[] parameters)
    {
        var present = parameters.Where(p => !string.IsNullOrEmpty(p.Value)).Select(p => $"{p.Name}={Uri.EscapeDataString(p.Value!)}").ToList();
        return present.Count == 0 ? "" : "?" + string.Join('&', present);
    }
}

/// <summary>A non-success answer of the service, with its RFC 9457 problem <see cref="Detail"/> when it sent one.</summary>
public sealed class CallGrainsException(HttpStatusCode status, string? title, string? detail)
    : Exception($"CallGrains answered {(int)status} {title}: {detail}")
{
    public HttpStatusCode Status { get; } = status;
    public string? Title { get; } = title;
    public string? Detail { get; } = detail;

    /// <summary>The Retry-After the service gave with a 503 or 429, if any.</summary>
    public TimeSpan? RetryAfter { get; init; }

    internal static async Task ThrowIfFailedAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode) return;
        string? title = response.ReasonPhrase, detail = null;
        try
        {
            var problem = await response.Content.ReadFromJsonAsync<Problem>(CallGrainsClient.Json, cancellationToken).ConfigureAwait(false);
            (title, detail) = (problem?.Title ?? title, problem?.Detail);
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException)
        {
            // Not a problem document (a proxy's page, say): the status says enough.
        }
        throw new CallGrainsException(response.StatusCode, title, detail) { RetryAfter = response.Headers.RetryAfter?.Delta };
    }

    private sealed record Problem(string? Title, string? Detail);
}
