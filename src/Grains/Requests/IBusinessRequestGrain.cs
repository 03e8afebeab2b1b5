using System.Collections.Immutable;
using CallGrains.Domain.Requests;
using CallGrains.Storage;
using Orleans.Concurrency;

namespace CallGrains.Requests;

/// <summary>
/// The business request (a taxi order, a parcel, a sign-up) that starts calls with one <c>userData</c>.
/// Holds the registration, persisted in Orleans grain storage, and answers with the latest summary of each of its calls.
/// Registration and calls may arrive in either order.
/// </summary>
public interface IBusinessRequestGrain : IGrainWithStringKey
{
    /// <summary>Registers or updates the request; true when it was not registered before.</summary>
    Task<bool> RegisterAsync(RequestRegistration registration);

    /// <summary>The registration, or null when the request was never registered.</summary>
    [ReadOnly]
    Task<RequestRegistration?> GetRegistrationAsync();

    /// <summary>The request with its calls, or null when it was neither registered nor seen in a push.</summary>
    [ReadOnly]
    Task<RequestSnapshot?> GetAsync();

    /// <summary>
    /// Erases the registration (grain storage and the requests projection) and deactivates; the request's calls are
    /// erased by their own grains. <see cref="ErasedRows.RequestRows"/> counts the registration when there was one.
    /// </summary>
    Task<ErasedRows> EraseAsync();
}

[GenerateSerializer, Immutable, Alias("callgrains.request-registration")]
public sealed record RequestRegistration(
    [property: Id(0)] string Kind,
    [property: Id(1)] string BusinessId,
    [property: Id(2)] ImmutableSortedDictionary<string, string> Attributes,
    [property: Id(3)] DateTimeOffset RegisteredAt,
    [property: Id(4)] DateTimeOffset UpdatedAt);

[GenerateSerializer, Immutable, Alias("callgrains.request-snapshot")]
public sealed record RequestSnapshot(
    [property: Id(0)] string UserData,
    [property: Id(1)] RequestRegistration? Registration,
    [property: Id(2)] ImmutableArray<CallSummary> Calls,
    [property: Id(3)] bool CallsTruncated = false);

public static class BusinessRequestKey
{
    public const string Prefix = "u:";

    public static string For(string userData) => Prefix + userData;

    public static string UserDataOf(string grainKey) =>
        grainKey.StartsWith(Prefix, StringComparison.Ordinal) ? grainKey[Prefix.Length..] : grainKey;

    public static IBusinessRequestGrain GetBusinessRequest(this IGrainFactory grains, string userData) =>
        grains.GetGrain<IBusinessRequestGrain>(For(userData));
}
