using System.Collections.Immutable;
using CallGrains.Domain.Changes;
using CallGrains.Storage;

namespace CallGrains.Webhooks;

/// <summary>
/// A webhook subscription as stored: where to send which changes, with what secret, and how far delivery got.
/// Written only by its <see cref="ISubscriptionGrain"/>; read by the API for lists.
/// </summary>
/// <param name="Cursor">Every matching change up to this seq was delivered (later ones may have been too: delivery is at least once).</param>
/// <param name="PreviousSecret">The secret before the last rotation, still signing until <paramref name="PreviousSecretUntil"/>.</param>
/// <param name="FailingSince">When deliveries started failing with no success since; null while they succeed.</param>
/// <param name="Tenant">The tenant whose key created it: it is sent only that tenant's changes and shown only to that
/// tenant; null for one created with an all-tenants key.</param>
/// <param name="MaskPersonalData">Created by a key that may not see personal data (a tenant's key without
/// <c>pii:read</c>): its payloads carry numbers and digits masked, as that key's own reads do.</param>
[GenerateSerializer, Immutable, Alias("callgrains.subscription")]
public sealed record Subscription(
    [property: Id(0)] string Id,
    [property: Id(1)] string Url,
    [property: Id(2)] ImmutableArray<string> Types,
    [property: Id(3)] string? UserDataPrefix,
    [property: Id(4)] DateTimeOffset CreatedAt,
    [property: Id(5)] string Status,
    [property: Id(6)] string Secret,
    [property: Id(7)] string? PreviousSecret,
    [property: Id(8)] DateTimeOffset? PreviousSecretUntil,
    [property: Id(9)] long Cursor,
    [property: Id(10)] DateTimeOffset? FailingSince,
    [property: Id(11)] DateTimeOffset? LastDeliveryAt,
    [property: Id(12)] string? LastError,
    [property: Id(13)] TenantScope? Tenant = null,
    [property: Id(14)] bool MaskPersonalData = false)
{
    /// <summary>The changes this subscription is sent, after <paramref name="after"/>.</summary>
    public ChangeQuery Query(long after, int limit = ChangeQuery.MaxLimit) =>
        new(after, limit, UserDataPrefix: UserDataPrefix, Types: Types.Length >= ChangeTypes.All.Count ? null : Types, Tenant: Tenant);

    /// <summary>The secrets that sign a delivery at <paramref name="now"/>: the current one, and the previous one during its grace period.</summary>
    public IReadOnlyList<string> SigningSecrets(DateTimeOffset now) =>
        PreviousSecret is { } previous && PreviousSecretUntil > now ? [Secret, previous] : [Secret];
}

/// <summary>What a subscription asks for when it is created.</summary>
[GenerateSerializer, Immutable, Alias("callgrains.subscription-request")]
public sealed record SubscriptionRequest(
    [property: Id(0)] string Url,
    [property: Id(1)] ImmutableArray<string> Types,
    [property: Id(2)] string? UserDataPrefix,
    [property: Id(3)] TenantScope? Tenant = null,
    [property: Id(4)] bool MaskPersonalData = false);

/// <summary>One attempt to deliver one change, as <c>GET /v1/subscriptions/{id}/deliveries</c> shows it.</summary>
/// <param name="StatusCode">The receiver's HTTP status; null when none came (refused, timed out, unreachable).</param>
[GenerateSerializer, Immutable, Alias("callgrains.delivery-attempt")]
public sealed record DeliveryAttempt(
    [property: Id(0)] long Seq,
    [property: Id(1)] int Attempt,
    [property: Id(2)] DateTimeOffset At,
    [property: Id(3)] int? StatusCode,
    [property: Id(4)] long DurationMs,
    [property: Id(5)] string? Error)
{
    public bool Delivered => StatusCode is >= 200 and < 300;
}

/// <summary>A subscription's status words, as the contract spells them.</summary>
public static class SubscriptionStatus
{
    public const string Active = "active";
    public const string Failing = "failing";
    public const string Disabled = "disabled";
}
