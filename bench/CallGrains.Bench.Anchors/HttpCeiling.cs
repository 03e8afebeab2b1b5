using System.Text.Json;

namespace CallGrains.Bench.Anchors;

/// <summary>
/// The HTTP ceiling: what Kestrel alone does per push on this machine (read the body, parse it as JSON, answer the
/// ack), so that CallGrains' embedded rate can be read as a share of what any ASP.NET Core receiver could do.
/// </summary>
public static class HttpCeiling
{
    public const string Mode = "ceiling";

    public static void MapHttpCeiling(this WebApplication app)
    {
        foreach (var path in AnchorHost.PushPaths)
        {
            app.MapPost(path, async (HttpRequest request) =>
            {
                try
                {
                    // Parsed and dropped: the parse is part of any receiver's cost, storing is not part of this one.
                    using var push = await JsonDocument.ParseAsync(request.Body, cancellationToken: request.HttpContext.RequestAborted);
                }
                catch (JsonException)
                {
                    request.HttpContext.Response.StatusCode = StatusCodes.Status400BadRequest;
                    return;
                }
                await AnchorHost.AcknowledgeAsync(request.HttpContext.Response);
            });
        }
    }
}
