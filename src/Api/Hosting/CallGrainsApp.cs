using CallGrains.Api.Billing;
using CallGrains.Api.Calls;
using CallGrains.Api.Erasure;
using CallGrains.Api.Changes;
using CallGrains.Api.WebConsole;
using CallGrains.Api.Operations;
using CallGrains.Api.Pushes;
using CallGrains.Api.Requests;
using CallGrains.Api.Subscriptions;

namespace CallGrains.Api.Hosting;

/// <summary>The whole service as one composable unit, so tests start exactly what <c>dotnet run</c> starts.</summary>
public static class CallGrainsApp
{
    /// <param name="configure">Runs after the service's own registrations, so a test can replace one of them.</param>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        // appsettings.json is read from next to the assembly, wherever the process is started from (the image
        // runs "dotnet api/CallGrains.Api.dll" from /app).
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        var options = builder.AddCallGrainsOptions();
        builder.AddCallGrainsOrleans(options);
        builder.AddCallGrainsHttp(options);
        builder.AddCallGrainsHttpLimits();
        builder.AddCallGrainsPushAuthentication();
        builder.AddCallGrainsPushLanding();
        builder.AddCallGrainsPushSpooling();
        builder.AddCallGrainsSubscriptions();
        builder.AddCallGrainsExport();
        builder.AddCallGrainsErasure();
        configure?.Invoke(builder);

        var app = builder.Build();
        app.UseCallGrainsHttp();
        app.UseDataBehindNotice();
        app.UseRateLimiter();
        app.MapPushEndpoints();
        app.MapCallEndpoints();
        app.MapExportEndpoints();
        app.MapRequestEndpoints();
        app.MapErasureEndpoints();
        app.MapChangeEndpoints();
        app.MapSubscriptionEndpoints();
        app.MapOperationsEndpoints();
        app.MapConsoleEndpoints();
        return app;
    }
}
