using System.Collections.Immutable;
using System.Text.Json;
using CallGrains.Api.Operations;
using CallGrains.Domain.Changes;
using CallGrains.Hosting;
using CallGrains.Operability.Access;
using CallGrains.Storage;
using CallGrains.Webhooks;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CallGrains.Api.Subscriptions;

/// <summary>
/// Webhook subscriptions: created, rotated, replayed and deleted through their grain (the one writer of each),
/// listed from the store. Delivery itself runs in the silos (<see cref="SubscriptionGrain"/>).
/// </summary>
public static class SubscriptionEndpoints
{
    /// <summary>A subscription's body is a URL and a filter: anything larger is not one.</summary>
    public const int MaxBodyBytes = 16 * 1024;
    public const int MaxPrefixLength = 256;
    public const int DefaultDeliveries = 50;

    public static WebApplicationBuilder AddCallGrainsSubscriptions(this WebApplicationBuilder builder)
    {
        builder.Services.AddCallGrainsWebhookTargets(builder.Configuration);
        return builder;
    }

    public static WebApplication MapSubscriptionEndpoints(this WebApplication app)
    {
        var subscriptions = app.MapGroup("/v1/subscriptions").WithTags("Subscriptions")
            .AddEndpointFilter<ApiKeyFilter>().AddEndpointFilter<RequestTimeoutFilter>();
        subscriptions.MapPost("/", CreateAsync).WithName("CreateSubscription").Accepts<SubscriptionBody>("application/json").RequireScope(Scopes.SubscriptionsManage);
        subscriptions.MapGet("/", ListAsync).WithName("ListSubscriptions").RequireScope(Scopes.SubscriptionsManage);
        subscriptions.MapGet("/{id}", GetAsync).WithName("GetSubscription").RequireScope(Scopes.SubscriptionsManage);
        subscriptions.MapDelete("/{id}", DeleteAsync).WithName("DeleteSubscription").RequireScope(Scopes.SubscriptionsManage);
        subscriptions.MapPost("/{id}/rotate-secret", RotateSecretAsync).WithName("RotateSubscriptionSecret").RequireScope(Scopes.SubscriptionsManage);
        subscriptions.MapPost("/{id}/replay", ReplayAsync).WithName("ReplaySubscription").Accepts<ReplayBody>("application/json").RequireScope(Scopes.SubscriptionsManage);
        subscriptions.MapGet("/{id}/deliveries", DeliveriesAsync).WithName("ListSubscriptionDeliveries").RequireScope(Scopes.SubscriptionsManage);
        return app;
    }

    public static async Task<Results<Created<CreatedSubscription>, ProblemHttpResult>> CreateAsync(
        HttpRequest request, IGrainFactory grains, WebhookTargets targets)
    {
        if (await ReadAsync<SubscriptionBody>(request) is not { } body) return Problems.BadRequest("The body is not a subscription: expected {\"url\": ...}.");
        if (body.Validate() is { } error) return Problems.BadRequest(error);
        if (await targets.RefusalAsync(body.Url, request.HttpContext.RequestAborted) is { } refusal) return Problems.BadRequest(refusal);

        var id = "sub_" + Guid.NewGuid().ToString("N");
        var types = body.Types is null ? [.. ChangeTypes.All] : ChangeTypes.All.Where(body.Types.Contains).ToImmutableArray();
        // A tenant's subscription keeps the tenant's prefixes: it is sent that tenant's changes only, whatever its own filter says.
        var created = await grains.GetGrain<ISubscriptionGrain>(id).CreateAsync(new SubscriptionRequest(
            body.Url!, types, string.IsNullOrEmpty(body.UserDataPrefix) ? null : body.UserDataPrefix, Caller.Of(request.HttpContext).Tenant,
            MaskPersonalData: !Caller.Of(request.HttpContext).SeesPersonalData));
        return created is null
            ? Problems.BadRequest("The configured maximum number of subscriptions exists already (CallGrains:Webhooks:MaxSubscriptions).")
            : TypedResults.Created($"/v1/subscriptions/{id}", CreatedSubscription.Of(created));
    }

    public static async Task<Ok<SubscriptionList>> ListAsync(HttpContext http, ISubscriptionStore store, CancellationToken cancellationToken)
    {
        // Few subscriptions exist (CallGrains:Webhooks:MaxSubscriptions), so the tenant's are picked here.
        var caller = Caller.Of(http);
        var all = (await store.ListAsync(cancellationToken)).Where(s => Visible(s, caller)).ToList();
        var views = new List<SubscriptionView>(all.Count);
        foreach (var subscription in all) views.Add(SubscriptionView.Of(subscription, await store.BacklogAsync(subscription, cancellationToken)));
        return TypedResults.Ok(new SubscriptionList(views));
    }

    public static async Task<Results<Ok<SubscriptionView>, ProblemHttpResult>> GetAsync(
        string id, HttpContext http, ISubscriptionStore store, CancellationToken cancellationToken)
    {
        if (await FindAsync(id, http, store, cancellationToken) is not { } subscription) return NotFound(id);
        return TypedResults.Ok(SubscriptionView.Of(subscription, await store.BacklogAsync(subscription, cancellationToken)));
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(string id, HttpContext http, IGrainFactory grains, ISubscriptionStore store)
    {
        if (await FindAsync(id, http, store, http.RequestAborted) is null || !await grains.GetGrain<ISubscriptionGrain>(id).DeleteAsync()) return NotFound(id);
        return TypedResults.NoContent();
    }

    public static async Task<Results<Ok<RotatedSecret>, ProblemHttpResult>> RotateSecretAsync(
        string id, HttpContext http, IGrainFactory grains, ISubscriptionStore store, CancellationToken cancellationToken)
    {
        if (await FindAsync(id, http, store, cancellationToken) is null) return NotFound(id);
        var secret = await grains.GetGrain<ISubscriptionGrain>(id).RotateSecretAsync();
        return secret is null ? NotFound(id) : TypedResults.Ok(new RotatedSecret(secret));
    }

    public static async Task<Results<Accepted, ProblemHttpResult>> ReplayAsync(string id, HttpRequest request, IGrainFactory grains, ISubscriptionStore store)
    {
        if (await FindAsync(id, request.HttpContext, store, request.HttpContext.RequestAborted) is null) return NotFound(id);
        if (await ReadAsync<ReplayBody>(request) is not { After: >= 0 and var after })
            return Problems.BadRequest("The body must be {\"after\": seq} with a seq from 0.");
        return await grains.GetGrain<ISubscriptionGrain>(id).ReplayAsync(after) ? TypedResults.Accepted($"/v1/subscriptions/{id}") : NotFound(id);
    }

    public static async Task<Results<Ok<DeliveryList>, ProblemHttpResult>> DeliveriesAsync(
        string id, string? limit, HttpContext http, ISubscriptionStore store, CancellationToken cancellationToken)
    {
        var count = DefaultDeliveries;
        if (limit is not null && (!int.TryParse(limit, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out count)
                || count < 1 || count > ISubscriptionStore.KeptDeliveries))
            return Problems.BadRequest($"limit '{limit}' must be a whole number from 1 to {ISubscriptionStore.KeptDeliveries}.");
        if (await FindAsync(id, http, store, cancellationToken) is null) return NotFound(id);
        var attempts = await store.ListDeliveriesAsync(id, count, cancellationToken);
        return TypedResults.Ok(new DeliveryList([.. attempts.Select(DeliveryView.Of)]));
    }

    /// <summary>The subscription, if the caller may see it: another tenant's is answered as if it did not exist.</summary>
    private static async Task<Subscription?> FindAsync(string id, HttpContext http, ISubscriptionStore store, CancellationToken cancellationToken) =>
        IsPlausibleId(id) && await store.GetAsync(id, cancellationToken) is { } found && Visible(found, Caller.Of(http)) ? found : null;

    private static bool Visible(Subscription subscription, Caller caller) =>
        caller.Tenant is null || subscription.Tenant?.Name == caller.Tenant.Name;

    // Ids are "sub_" and 32 hex digits; anything much longer is not worth a lookup.
    private static bool IsPlausibleId(string id) => id.Length is > 0 and <= 64;

    private static ProblemHttpResult NotFound(string id) => Problems.NotFound($"No subscription '{(IsPlausibleId(id) ? id : id[..64] + "…")}'.");

    /// <summary>A small JSON body, or null when it is too large or not that JSON.</summary>
    private static async Task<T?> ReadAsync<T>(HttpRequest request) where T : class
    {
        if (request.ContentLength > MaxBodyBytes) return null;
        var buffer = new byte[MaxBodyBytes + 1];
        var read = 0;
        int n;
        while (read < buffer.Length && (n = await request.Body.ReadAsync(buffer.AsMemory(read), request.HttpContext.RequestAborted)) > 0) read += n;
        if (read > MaxBodyBytes) return null;
        try
        {
            return JsonSerializer.Deserialize<T>(buffer.AsSpan(0, read), JsonSerializerOptions.Web);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
