using CallGrains.Api.Reference;
using CallGrains.Operability.Dashboard;
using CallGrains.Operability.Health;
using CallGrains.Operability.Telemetry;

namespace CallGrains.Api.Operations;

/// <summary>What operators reach on this node: health, metrics, the Orleans Dashboard, the API reference.</summary>
public static class OperationsEndpoints
{
    public static WebApplication MapOperationsEndpoints(this WebApplication app)
    {
        app.MapCallGrainsApiReference();
        app.MapCallGrainsHealth();
        app.MapCallGrainsMetrics();
        app.MapCallGrainsDashboard();
        return app;
    }
}
