using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using CallGrains.Api.Operations;
using CallGrains.Domain.Calls;
using CallGrains.Requests;
using CallGrains.Sessions;
using CallGrains.Storage;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CallGrains.Api.Calls;

/// <summary>Queries for calls: one call from its grain, its journal, and lists from the projection.</summary>
public static class CallEndpoints
{
    public static WebApplication MapCallEndpoints(this WebApplication app)
    {
        var calls = app.MapGroup("/v1/calls").WithTags("Calls").AddEndpointFilter<ApiKeyFilter>().AddEndpointFilter<RequestTimeoutFilter>();
        calls.MapGet("/{sessionId}", GetAsync).WithName("GetCall");
        calls.MapGet("/{sessionId}/events", GetEventsAsync).WithName("GetCallEvents");
        calls.MapGet("/", ListAsync).WithName("ListCalls");
        return app;
    }

    public static async Task<Results<Ok<CallView>, ProblemHttpResult>> GetAsync(
        string sessionId, HttpContext http, IGrainFactory grains, StuckCallWatch stuck, DigitMasking masking)
    {
        sessionId = RouteSegment.Decode(http, 2, sessionId);
        var json = await grains.GetCallSession(sessionId).GetViewJsonAsync();
        if (json is null) return Problems.NotFound($"No push was ever stored for session '{sessionId}'.");
        var view = await CallViews.WithRequestsAsync([json], grains);
        return TypedResults.Ok(masking.Mask(stuck.Flag(view[0])));
    }

    public static async Task<Results<Ok<IReadOnlyList<CallEvent>>, ProblemHttpResult>> GetEventsAsync(
        string sessionId, HttpContext http, IPushJournal journal, DigitMasking masking, CancellationToken cancellationToken)
    {
        sessionId = RouteSegment.Decode(http, 2, sessionId);
        var entries = await journal.ReadSessionAsync(sessionId, cancellationToken);
        if (entries.Count == 0) return Problems.NotFound($"No push was ever stored for session '{sessionId}'.");
        IReadOnlyList<CallEvent> events = [.. entries.Select(e => new CallEvent(e.ReceivedAt, e.EventType, e.ChangedView, masking.MaskEventBody(e.Body), e.Flag))];
        return TypedResults.Ok(events);
    }

    public static async Task<Results<Ok<CallList>, ProblemHttpResult>> ListAsync(
        [AsParameters] CallListParameters parameters, ICallsProjection projection, IGrainFactory grains, StuckCallWatch stuck,
        DigitMasking masking, CancellationToken cancellationToken)
    {
        if (parameters.ToQuery(stuck) is not { } query) return Problems.BadRequest(parameters.Error!);
        var page = await projection.ListAsync(query, cancellationToken);
        var views = await CallViews.WithRequestsAsync([.. page.Items.Select(r => r.ViewJson)], grains);
        return TypedResults.Ok(new CallList([.. views.Select(v => masking.Mask(stuck.Flag(v)))], page.Next?.Encode()));
    }
}

/// <summary>One journaled item; <see cref="Body"/> is written as the JSON exactly as it was received.</summary>
public sealed record CallEvent(
    DateTimeOffset ReceivedAt,
    string EventType,
    bool ChangedView,
    [property: JsonConverter(typeof(RawJsonConverter))] string Body,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Flag = null);

public sealed record CallList(IReadOnlyList<CallView> Items, string? Next);

/// <summary>The query string of GET /v1/calls, checked into a <see cref="CallQuery"/>.</summary>
public sealed class CallListParameters
{
    public string? UserData { get; init; }
    public string? Status { get; init; }
    public string? Outcome { get; init; }
    public string? Since { get; init; }
    public string? Until { get; init; }
    public string? Limit { get; init; }
    public string? Cursor { get; init; }
    /// <summary>"cdr-overdue" or "stale": only calls flagged so.</summary>
    public string? Stuck { get; init; }

    internal string? Error { get; private set; }

    internal CallQuery? ToQuery(StuckCallWatch watch)
    {
        StuckKind? stuck = null;
        CallStatus? status = null;
        CallOutcome? outcome = null;
        DateTimeOffset? since = null, until = null;
        var limit = CallQuery.DefaultLimit;
        if (Status is not null && !Words.TryParse<CallStatus>(Status, out status))
            return Fail($"status '{Status}' is not one of {Words.List<CallStatus>()}.");
        if (Outcome is not null && !Words.TryParse<CallOutcome>(Outcome, out outcome))
            return Fail($"outcome '{Outcome}' is not one of {Words.List<CallOutcome>()}.");
        if (Since is not null && !TryTime(Since, out since)) return Fail($"since '{Since}' is not an ISO 8601 time.");
        if (Until is not null && !TryTime(Until, out until)) return Fail($"until '{Until}' is not an ISO 8601 time.");
        if (Limit is not null && (!int.TryParse(Limit, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit < 1 || limit > CallQuery.MaxLimit))
            return Fail($"limit '{Limit}' must be a whole number from 1 to {CallQuery.MaxLimit}.");
        if (!CallCursor.TryDecode(Cursor, out var cursor)) return Fail("cursor is not one this service handed out.");
        if (Stuck is not null && !Words.TryParse<StuckKind>(Stuck, out stuck))
            return Fail($"stuck '{Stuck}' is not one of {Words.List<StuckKind>()}.");
        return new CallQuery(string.IsNullOrEmpty(UserData) ? null : UserData, status, outcome, since, until, limit, cursor,
            stuck is { } kind ? watch.Filter(kind) : null);
    }

    private CallQuery? Fail(string error)
    {
        Error = error;
        return null;
    }

    private static bool TryTime(string text, out DateTimeOffset? time)
    {
        var ok = DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed);
        time = ok ? parsed : null;
        return ok;
    }
}

/// <summary>Call views as clients see them: the grain's view plus the business request it belongs to.</summary>
internal static class CallViews
{
    public static async Task<IReadOnlyList<CallView>> WithRequestsAsync(IReadOnlyList<string> viewJson, IGrainFactory grains)
    {
        var views = viewJson.Select(j => JsonSerializer.Deserialize<CallView>(j, CallJson.Options)!).ToList();
        var userData = views.Select(v => v.UserData).OfType<string>().Distinct(StringComparer.Ordinal).ToList();
        var registrations = await Task.WhenAll(userData.Select(u => grains.GetBusinessRequest(u).GetRegistrationAsync()));
        var requests = userData.Zip(registrations)
            .Where(p => p.Second is not null)
            .ToDictionary(p => p.First, p => new RequestRef(p.First, p.Second!.Kind, p.Second.BusinessId), StringComparer.Ordinal);
        return [.. views.Select(v => v.UserData is { } u && requests.TryGetValue(u, out var r) ? v with { Request = r } : v)];
    }
}

/// <summary>Enum values as the contract's words ("no-answer"), in both directions.</summary>
internal static class Words
{
    public static bool TryParse<T>(string word, out T? value) where T : struct, Enum
    {
        foreach (var candidate in Enum.GetValues<T>())
        {
            if (CallSummaries.Word(candidate) == word)
            {
                value = candidate;
                return true;
            }
        }
        value = null;
        return false;
    }

    public static string List<T>() where T : struct, Enum => string.Join(", ", Enum.GetValues<T>().Select(v => CallSummaries.Word(v)));
}

/// <summary>Writes a string that already holds JSON as that JSON, byte for byte.</summary>
public sealed class RawJsonConverter : JsonConverter<string>
{
    public override string Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        using var document = JsonDocument.ParseValue(ref reader);
        return document.RootElement.GetRawText();
    }

    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteRawValue(value);
}
