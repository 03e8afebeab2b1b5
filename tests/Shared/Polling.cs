namespace CallGrains.Tests.Shared;

/// <summary>Waiting in a test for something another thread or process brings about, with a limit that fails the test.</summary>
public static class Polling
{
    /// <summary>Checks <paramref name="condition"/> every <paramref name="interval"/> until it holds; fails naming <paramref name="what"/> after <paramref name="limit"/>.</summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan limit, string what, TimeSpan? interval = null)
    {
        var deadline = DateTime.UtcNow + limit;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out after {limit} waiting for: {what}");
            await Task.Delay(interval ?? TimeSpan.FromMilliseconds(100));
        }
    }

    public static Task UntilAsync(Func<bool> condition, TimeSpan limit, string what, TimeSpan? interval = null) =>
        UntilAsync(() => Task.FromResult(condition()), limit, what, interval);
}
