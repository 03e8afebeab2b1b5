using CallGrains.Domain.Changes;
using CallGrains.Webhooks;

namespace CallGrains.Api.Subscriptions;

/// <summary>The body of POST /v1/subscriptions.</summary>
public sealed record SubscriptionBody(string? Url, IReadOnlyList<string>? Types, string? UserDataPrefix)
{
    /// <summary>What is wrong with the body apart from the URL's target (checked by <see cref="WebhookTargets"/>), or null.</summary>
    public string? Validate()
    {
        if (string.IsNullOrWhiteSpace(Url)) return "url is required.";
        if (Types is not null && (Types.Count == 0 || Types.Any(t => !ChangeTypes.All.Contains(t))))
            return $"types must be a non-empty list of {string.Join(", ", ChangeTypes.All)}.";
        if (UserDataPrefix is not null && (UserDataPrefix.Length > SubscriptionEndpoints.MaxPrefixLength || UserDataPrefix.Any(char.IsControl)))
            return $"userDataPrefix must be at most {SubscriptionEndpoints.MaxPrefixLength} characters, none of them control characters.";
        return null;
    }
}

/// <summary>The body of POST /v1/subscriptions/{id}/replay.</summary>
public sealed record ReplayBody(long? After);

/// <summary>A subscription as lists and GET show it: never its secret.</summary>
public sealed record SubscriptionView(
    string Id,
    string Url,
    IReadOnlyList<string> Types,
    string? UserDataPrefix,
    string Status,
    DateTimeOffset CreatedAt,
    DateTimeOffset? LastDeliveryAt,
    string? LastError,
    long Backlog)
{
    public static SubscriptionView Of(Subscription s, long backlog) =>
        new(s.Id, s.Url, s.Types, s.UserDataPrefix, s.Status, s.CreatedAt, s.LastDeliveryAt, s.LastError, backlog);
}

/// <summary>The answer to a creation: the only time, with a rotation, that the secret is shown.</summary>
public sealed record CreatedSubscription(
    string Id,
    string Url,
    IReadOnlyList<string> Types,
    string? UserDataPrefix,
    string Status,
    DateTimeOffset CreatedAt,
    string Secret)
{
    public static CreatedSubscription Of(Subscription s) => new(s.Id, s.Url, s.Types, s.UserDataPrefix, s.Status, s.CreatedAt, s.Secret);
}

public sealed record SubscriptionList(IReadOnlyList<SubscriptionView> Items);

public sealed record RotatedSecret(string Secret);

/// <summary>One delivery attempt; <see cref="StatusCode"/> is null when no answer came.</summary>
public sealed record DeliveryView(long Seq, int Attempt, DateTimeOffset At, int? StatusCode, long DurationMs, string? Error)
{
    public static DeliveryView Of(DeliveryAttempt a) => new(a.Seq, a.Attempt, a.At, a.StatusCode, a.DurationMs, a.Error);
}

public sealed record DeliveryList(IReadOnlyList<DeliveryView> Items);
