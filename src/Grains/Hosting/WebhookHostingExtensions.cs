using CallGrains.Domain.Calls;
using CallGrains.Webhooks;
using Polly;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace CallGrains.Hosting;

/// <summary>Webhook delivery in a silo, and the target checks the API needs to accept a subscription.</summary>
public static class WebhookHostingExtensions
{
    /// <summary>
    /// What a silo needs to deliver subscriptions: the guarded HTTP client, the sender, metrics and the nudger. Durable
    /// retries are the grains' (they outlive a process); the client's pipeline only bounds one attempt. It has no
    /// circuit breaker: one pipeline serves every receiver, and one dead receiver must not hold back the others.
    /// </summary>
    public static ISiloBuilder AddCallGrainsWebhooks(this ISiloBuilder silo)
    {
        var services = silo.Services;
        services.AddCallGrainsWebhookTargets(silo.Configuration);
        services.TryAddSingleton(TimeProvider.System);
        // The API's setting, read here too: a silo of a cluster does not bind the API's options.
        services.TryAddSingleton(new DigitMasking(silo.Configuration.GetValue<bool>("CallGrains:MaskDigits")));
        services.TryAddSingleton<WebhookMetrics>();
        services.TryAddSingleton<WebhookSender>();
        services.AddHttpClient(WebhookSender.ClientName, client => client.Timeout = WebhookOptions.AttemptTimeout + TimeSpan.FromSeconds(5))
            .ConfigurePrimaryHttpMessageHandler(sp => new SocketsHttpHandler
            {
                AllowAutoRedirect = false,
                // A proxy would connect on our behalf, past the address check.
                UseProxy = false,
                UseCookies = false,
                ConnectCallback = sp.GetRequiredService<WebhookTargets>().ConnectAsync,
                ConnectTimeout = WebhookOptions.AttemptTimeout,
                MaxResponseHeadersLength = 16,
                PooledConnectionLifetime = TimeSpan.FromMinutes(2),
            })
            .AddResilienceHandler("webhook-attempt", pipeline => pipeline.AddTimeout(WebhookOptions.AttemptTimeout));
        // One nudger per silo, known to the subscription grains that activate here.
        services.TryAddSingleton<SubscriptionNudger>();
        services.AddHostedService(sp => sp.GetRequiredService<SubscriptionNudger>());
        return silo;
    }

    /// <summary>The validated "CallGrains:Webhooks" options and the SSRF check, for the API and the silos alike.</summary>
    public static IServiceCollection AddCallGrainsWebhookTargets(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<WebhookOptions>(configuration, WebhookOptions.Section);
        services.AddCallGrainsReaderPace(configuration);
        services.TryAddSingleton(sp => new WebhookTargets(sp.GetRequiredService<IOptions<WebhookOptions>>()));
        return services;
    }
}
