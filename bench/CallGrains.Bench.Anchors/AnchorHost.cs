using System.Text;

namespace CallGrains.Bench.Anchors;

/// <summary>The web host both anchors share, set up as CallGrains' API is where that matters for cost.</summary>
public static class AnchorHost
{
    /// <summary>CallGrains' default push body limit (<c>CallGrains:MaxBodyBytes</c>).</summary>
    private const long MaxBodyBytes = 1024 * 1024;

    /// <summary>The platform's acknowledgement, exactly as CallGrains answers it.</summary>
    public static ReadOnlyMemory<byte> Ack { get; } = Encoding.UTF8.GetBytes("""{"resultcode":"0","resultdesc":"Success"}""");

    public static readonly string[] PushPaths = ["/v1/huawei/status", "/v1/huawei/fee", "/v1/huawei/events"];

    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateSlimBuilder(args);
        // As CallGrains ships: nothing logged per request.
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = MaxBodyBytes);
        var app = builder.Build();
        app.MapGet("/health/ready", () => Results.Ok());
        return app;
    }

    public static async Task AcknowledgeAsync(HttpResponse response)
    {
        response.ContentType = "application/json; charset=utf-8";
        response.ContentLength = Ack.Length;
        await response.Body.WriteAsync(Ack);
    }
}
