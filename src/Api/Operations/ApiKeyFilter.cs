using CallGrains.Operability.Access;

namespace CallGrains.Api.Operations;

/// <summary>Guards the business endpoints with <c>Authorization: Bearer &lt;key&gt;</c> when keys are configured.</summary>
public sealed class ApiKeyFilter(IApiKeys keys) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next) =>
        BearerKey.Refusal(context.HttpContext.Request, keys.Current) is { } refusal
            ? refusal.ToProblem()
            : await next(context);
}
