using System.Net;
using System.Text.Json;

namespace CallGrains.Tests.Shared;

/// <summary>How the service refuses a request: an RFC 9457 problem that repeats the status and says why.</summary>
public static class ProblemResponse
{
    /// <summary>
    /// Asserts that <paramref name="response"/> is a problem with <paramref name="status"/> and returns its
    /// detail, for the test to check that it names what was wrong.
    /// </summary>
    public static async Task<string> AssertAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal((int)status, problem.RootElement.GetProperty("status").GetInt32());
        var detail = problem.RootElement.GetProperty("detail").GetString();
        Assert.False(string.IsNullOrWhiteSpace(detail), "a problem without a detail");
        return detail!;
    }

    /// <summary>
    /// Asserts a 503 with Retry-After whose problem names the part that was missing (<c>unavailable</c>: storage,
    /// cluster or deadline), and returns its detail.
    /// </summary>
    public static async Task<string> AssertUnavailableAsync(HttpResponseMessage response, string missingPart)
    {
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.NotNull(response.Headers.RetryAfter);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(missingPart, problem.RootElement.TryGetProperty("unavailable", out var part) ? part.GetString() : null);
        return await AssertAsync(response, HttpStatusCode.ServiceUnavailable);
    }
}
