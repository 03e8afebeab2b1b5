using CallGrains.Domain.Calls;
using CallGrains.Requests;

namespace CallGrains.Api.Calls;

/// <summary>Call views as clients see them: the grain's view plus the business request it belongs to.</summary>
internal static class CallRequests
{
    /// <summary>Views stored in the projection, as contract JSON.</summary>
    public static Task<IReadOnlyList<CallView>> AttachAsync(IReadOnlyList<ViewJson> viewJson, IGrainFactory grains) =>
        AttachAsync([.. viewJson.Select(j => j.Read())], grains);

    public static async Task<IReadOnlyList<CallView>> AttachAsync(IReadOnlyList<CallView> views, IGrainFactory grains)
    {
        var userData = views.Select(v => v.UserData).OfType<string>().Distinct(StringComparer.Ordinal).ToList();
        var registrations = await Task.WhenAll(userData.Select(u => grains.GetBusinessRequest(u).GetRegistrationAsync()));
        var requests = userData.Zip(registrations)
            .Where(p => p.Second is not null)
            .ToDictionary(p => p.First, p => new RequestRef(p.First, p.Second!.Kind, p.Second.BusinessId), StringComparer.Ordinal);
        return [.. views.Select(v => v.UserData is { } u && requests.TryGetValue(u, out var r) ? v with { Request = r } : v)];
    }
}
