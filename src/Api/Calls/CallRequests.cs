using System.Text.Json;
using CallGrains.Domain.Calls;
using CallGrains.Requests;

namespace CallGrains.Api.Calls;

/// <summary>Call views as clients see them: the grain's view plus the business request it belongs to.</summary>
internal static class CallRequests
{
    public static async Task<IReadOnlyList<CallView>> AttachAsync(IReadOnlyList<string> viewJson, IGrainFactory grains)
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
