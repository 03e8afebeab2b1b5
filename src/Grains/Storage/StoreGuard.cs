using Microsoft.Extensions.Logging;

namespace CallGrains.Storage;

/// <summary>
/// Wraps a grain's store calls: a failure is logged where its driver detail is known, and what reaches the
/// caller is a <see cref="StoreUnavailableException"/> that Orleans can send across silos (driver exceptions cannot).
/// </summary>
public static partial class StoreGuard
{
    public static async Task<T> RunAsync<T>(Func<Task<T>> call, ILogger logger, string grainKey)
    {
        try
        {
            return await call();
        }
        catch (StoreUnavailableException ex)
        {
            LogUnavailable(logger, ex, grainKey);
            throw ex.WithoutDriverDetail();
        }
        catch (Exception ex) when (ex is not (OperationCanceledException or OutOfMemoryException))
        {
            // Grain storage providers throw their own types; any failure to persist is an outage to the caller.
            LogUnavailable(logger, ex, grainKey);
            throw new StoreUnavailableException($"Storage failed: {ex.Message}");
        }
    }

    public static Task RunAsync(Func<Task> call, ILogger logger, string grainKey) =>
        RunAsync(async () =>
        {
            await call();
            return true;
        }, logger, grainKey);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Store unavailable for grain {GrainKey}")]
    private static partial void LogUnavailable(ILogger logger, Exception exception, string grainKey);
}
