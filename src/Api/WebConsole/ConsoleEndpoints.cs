using System.Collections.Frozen;
using System.Reflection;

namespace CallGrains.Api.WebConsole;

/// <summary>
/// The console: plain HTML, CSS and JavaScript modules embedded in this assembly and served as they are, so the
/// service has no front-end build step and the pages work without any other host. The pages hold no data (they
/// read the public API with the user's key), so they need no key themselves.
/// </summary>
public static class ConsoleEndpoints
{
    /// <summary>No inline script or style and nothing from another origin: data from the API can never run as code.</summary>
    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    private const string ResourcePrefix = "console/";

    private static readonly FrozenDictionary<string, string> ContentTypes = new Dictionary<string, string>
    {
        [".html"] = "text/html; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".svg"] = "image/svg+xml",
    }.ToFrozenDictionary();

    private static readonly Lazy<FrozenDictionary<string, ConsoleFile>> Files = new(LoadFiles);

    public static WebApplication MapConsoleEndpoints(this WebApplication app)
    {
        var console = app.MapGroup("/console").WithTags("Console").ExcludeFromDescription();
        console.MapGet("/", () => Page("board.html"));
        console.MapGet("/calls/{*sessionId}", () => Page("call.html"));
        console.MapGet("/requests/{*userData}", () => Page("request.html"));
        console.MapGet("/assets/{name}", (string name) => Page(name));
        return app;
    }

    private static IResult Page(string name) =>
        Files.Value.TryGetValue(name, out var file) ? new ConsoleFileResult(file) : TypedResults.NotFound();

    private static FrozenDictionary<string, ConsoleFile> LoadFiles()
    {
        var assembly = typeof(ConsoleEndpoints).Assembly;
        var files = new Dictionary<string, ConsoleFile>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal)))
        {
            var name = resource[ResourcePrefix.Length..];
            if (!ContentTypes.TryGetValue(Path.GetExtension(name), out var contentType)) continue;
            files[name] = new ConsoleFile(Read(assembly, resource), contentType);
        }
        return files.ToFrozenDictionary(StringComparer.Ordinal);
    }

    private static byte[] Read(Assembly assembly, string resource)
    {
        using var stream = assembly.GetManifestResourceStream(resource)!;
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    private sealed record ConsoleFile(byte[] Content, string ContentType);

    private sealed class ConsoleFileResult(ConsoleFile file) : IResult
    {
        public Task ExecuteAsync(HttpContext http)
        {
            var headers = http.Response.Headers;
            headers.ContentSecurityPolicy = ContentSecurityPolicy;
            headers.XContentTypeOptions = "nosniff";
            headers["Referrer-Policy"] = "no-referrer";
            // Small files that change with the service: revalidating costs little and never shows a stale page.
            headers.CacheControl = "no-cache";
            http.Response.ContentType = file.ContentType;
            http.Response.ContentLength = file.Content.Length;
            return http.Response.Body.WriteAsync(file.Content, http.RequestAborted).AsTask();
        }
    }
}
