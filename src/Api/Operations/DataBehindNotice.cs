using CallGrains.Storage;

namespace CallGrains.Api.Operations;

/// <summary>
/// While this node's spool holds pushes the store does not have yet, its reads (views, lists, requests, changes) are
/// answered from what was committed and from grain memory, which lack those pushes until they are drained: such an
/// answer carries <c>CallGrains-Data-Behind: spooling</c>. Bodies stay as the contract has them.
/// </summary>
public static class DataBehindNotice
{
    public const string Header = "CallGrains-Data-Behind";
    public const string Spooling = "spooling";

    private static readonly PathString[] Reads = ["/v1/calls", "/v1/requests", "/v1/changes"];

    public static WebApplication UseDataBehindNotice(this WebApplication app)
    {
        // No spool: nothing is ever acknowledged that the store does not hold, so nothing to say.
        if (app.Services.GetService<ISpoolStatus>() is not { } spool) return app;
        app.Use((http, next) =>
        {
            if (HttpMethods.IsGet(http.Request.Method) && spool.IsSpooling && Reads.Any(read => http.Request.Path.StartsWithSegments(read)))
                http.Response.Headers[Header] = Spooling;
            return next(http);
        });
        return app;
    }
}
