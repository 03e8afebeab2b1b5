using System.Text.Json;

namespace CallGrains.Tests.Shared;

/// <summary>
/// The real push sequences in tests/Samples/huawei, as push bodies, rewritten to a fresh session id (and
/// userData) so that no two tests share a call.
/// </summary>
public sealed record SampleCall(string Name, string SessionId, string UserData, IReadOnlyList<string> Pushes)
{
    public static IReadOnlyList<string> Names { get; } = ["callback-connected", "notification-collect", "verification-code"];

    public static SampleCall Load(string name, string? sessionId = null, string? userData = null)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Samples", "huawei", name + ".json");
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        var pushes = document.RootElement.EnumerateArray().Select(e => e.GetRawText()).ToList();
        var originalSession = FirstString(document.RootElement, "sessionId");
        var originalUserData = FirstString(document.RootElement, "userData");
        var session = sessionId ?? $"{name}-{Guid.NewGuid():N}@test.callgrains";
        var user = userData ?? $"{name}-order-{Guid.NewGuid():N}";
        return new SampleCall(name, session, user,
            [.. pushes.Select(p => p.Replace(originalSession, session, StringComparison.Ordinal)
                                    .Replace(originalUserData, user, StringComparison.Ordinal))]);
    }

    /// <summary>The pushes in a seeded random order, each sent one to three times.</summary>
    public IReadOnlyList<string> Shuffled(int seed)
    {
        var random = new Random(seed);
        var copies = Pushes.SelectMany(p => Enumerable.Repeat(p, random.Next(1, 4))).ToArray();
        random.Shuffle(copies);
        return copies;
    }

    private static string FirstString(JsonElement pushes, string field)
    {
        foreach (var push in pushes.EnumerateArray())
        {
            var item = push.TryGetProperty("statusInfo", out var status) ? status : push.GetProperty("feeLst")[0];
            if (item.TryGetProperty(field, out var value)) return value.GetString()!;
        }
        throw new InvalidOperationException($"No {field} in the sample.");
    }
}
