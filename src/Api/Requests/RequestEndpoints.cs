using System.Collections.Immutable;
using System.Text.Json;
using CallGrains.Api.Hosting;
using CallGrains.Api.Operations;
using CallGrains.Domain.Calls;
using CallGrains.Domain.Requests;
using CallGrains.Operability.Access;
using CallGrains.Requests;
using CallGrains.Storage;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using CallGrains.Hosting;

namespace CallGrains.Api.Requests;

/// <summary>The business side: register the request behind a userData, read it with its calls.</summary>
public static class RequestEndpoints
{
    public const int MaxUserDataLength = 256;
    public const int MaxFieldLength = 128;

    public static WebApplication MapRequestEndpoints(this WebApplication app)
    {
        var requests = app.MapGroup("/v1/requests").WithTags("Requests").AddEndpointFilter<ApiKeyFilter>().AddEndpointFilter<RequestTimeoutFilter>();
        requests.MapPut("/{userData}", RegisterAsync).WithName("RegisterRequest").Accepts<RequestBody>("application/json").RequireScope(Scopes.RequestsWrite);
        requests.MapGet("/{userData}", GetAsync).WithName("GetRequest").RequireScope(Scopes.RequestsRead);
        requests.MapGet("/", ListAsync).WithName("ListRequests").RequireScope(Scopes.RequestsRead);
        return app;
    }

    public static async Task<Results<Created<RequestView>, Ok<RequestView>, ProblemHttpResult>> RegisterAsync(
        string userData, HttpRequest request, IGrainFactory grains, [FromKeyedServices(ServiceTime.Key)] TimeProvider clock, IOptions<CallGrainsOptions> options)
    {
        userData = RouteSegment.Decode(request.HttpContext, 2, userData);
        if (userData.Length is 0 or > MaxUserDataLength || userData.Any(char.IsControl))
            return Problems.BadRequest($"userData must be 1 to {MaxUserDataLength} characters, none of them control characters.");
        // Which prefixes a key owns is its own configuration, so saying so tells nothing about other tenants' data.
        if (Caller.Of(request.HttpContext) is { Tenant: { } tenant } caller && !caller.Sees(userData))
            return Problems.Forbidden($"userData '{userData}' does not start with a prefix of tenant {tenant.Name} ({string.Join(", ", tenant.UserDataPrefixes)}).");
        if (request.ContentLength > options.Value.MaxBodyBytes) return Problems.TooLarge(options.Value.MaxBodyBytes);

        RequestBody? body;
        try
        {
            body = await JsonSerializer.DeserializeAsync<RequestBody>(request.Body, JsonSerializerOptions.Web, request.HttpContext.RequestAborted);
        }
        catch (JsonException ex)
        {
            return Problems.BadRequest($"The body is not a request registration: {ex.Message}");
        }
        if (body?.Validate() is { } error) return Problems.BadRequest(error);

        var now = clock.GetUtcNow();
        var registration = new RequestRegistration(body!.Kind!, body.BusinessId!,
            (body.Attributes ?? []).ToImmutableSortedDictionary(StringComparer.Ordinal), now, now);
        var grain = grains.GetBusinessRequest(userData);
        var created = await grain.RegisterAsync(registration);
        var view = RequestView.Of((await grain.GetAsync())!);
        return created
            ? TypedResults.Created($"/v1/requests/{Uri.EscapeDataString(userData)}", view)
            : TypedResults.Ok(view);
    }

    public static async Task<Results<Ok<RequestView>, ProblemHttpResult>> GetAsync(string userData, HttpContext http, IGrainFactory grains)
    {
        userData = RouteSegment.Decode(http, 2, userData);
        var snapshot = Caller.Of(http).Sees(userData) ? await grains.GetBusinessRequest(userData).GetAsync() : null;
        return snapshot is null
            ? Problems.NotFound($"No request '{userData}' was registered and no call carried it.")
            : TypedResults.Ok(RequestView.Of(snapshot));
    }

    public static async Task<Results<Ok<RequestList>, ProblemHttpResult>> ListAsync(
        string? businessId, HttpContext http, IRequestsProjection projection, IGrainFactory grains, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(businessId)) return Problems.BadRequest("businessId is required.");
        if (RouteSegment.Problem(businessId, "businessId") is { } problem) return Problems.BadRequest(problem);
        var rows = await projection.ListByBusinessIdAsync(businessId, Caller.Of(http).Tenant, cancellationToken);
        var snapshots = await Task.WhenAll(rows.Select(r => grains.GetBusinessRequest(r.UserData).GetAsync()));
        return TypedResults.Ok(new RequestList([.. snapshots.OfType<RequestSnapshot>().Select(RequestView.Of)]));
    }
}

/// <summary>The body of PUT /v1/requests/{userData}.</summary>
public sealed record RequestBody(string? Kind, string? BusinessId, Dictionary<string, string>? Attributes)
{
    internal string? Validate()
    {
        if (string.IsNullOrEmpty(Kind) || Kind.Length > RequestEndpoints.MaxFieldLength)
            return $"kind is required: a string of 1 to {RequestEndpoints.MaxFieldLength} characters.";
        if (string.IsNullOrEmpty(BusinessId) || BusinessId.Length > RequestEndpoints.MaxFieldLength)
            return $"businessId is required: a string of 1 to {RequestEndpoints.MaxFieldLength} characters.";
        if (Attributes is not null && Attributes.Values.Any(v => v is null))
            return "attributes must map names to strings.";
        // Stored as PostgreSQL text and jsonb, neither of which can hold NUL; no business value needs control characters.
        if (Kind.Any(char.IsControl) || BusinessId.Any(char.IsControl) ||
            (Attributes is not null && Attributes.Any(a => a.Key.Any(char.IsControl) || a.Value.Any(char.IsControl))))
            return "kind, businessId and attributes must not contain control characters.";
        return null;
    }
}

/// <summary>A request as clients read it.</summary>
public sealed record RequestView(
    string UserData,
    bool Registered,
    string? Kind,
    string? BusinessId,
    IReadOnlyDictionary<string, string> Attributes,
    IReadOnlyList<CallSummary> Calls,
    CallOutcome? Outcome,
    bool Answered,
    DateTimeOffset? RegisteredAt,
    bool CallsTruncated)
{
    public static RequestView Of(RequestSnapshot snapshot)
    {
        var registration = snapshot.Registration;
        var outcome = RequestOutcome.Best(snapshot.Calls);
        var answered = outcome == CallOutcome.Answered;
        return new RequestView(snapshot.UserData, registration is not null, registration?.Kind, registration?.BusinessId,
            registration?.Attributes ?? ImmutableSortedDictionary<string, string>.Empty, snapshot.Calls, outcome, answered,
            registration?.RegisteredAt, snapshot.CallsTruncated);
    }
}

public sealed record RequestList(IReadOnlyList<RequestView> Items);
