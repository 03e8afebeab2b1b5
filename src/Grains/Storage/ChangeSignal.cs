namespace CallGrains.Storage;

/// <summary>
/// Wakes this process's change-feed readers (live streams, webhook deliveries) as soon as a local append
/// committed, so they need not poll hard. Changes committed by another process are found by the readers' own
/// periodic look, so a reader never depends on this signal for correctness, only for latency.
/// </summary>
public sealed class ChangeSignal
{
    private TaskCompletionSource _next = NewWaiter();

    /// <summary>Completes at the next <see cref="Pulse"/>. Take it before reading, so a pulse during the read is not missed.</summary>
    public Task Next => Volatile.Read(ref _next).Task;

    public void Pulse() => Interlocked.Exchange(ref _next, NewWaiter()).TrySetResult();

    /// <summary>Waits for <paramref name="pulse"/> or until <paramref name="atMost"/> passed, whichever is first.</summary>
    public static async Task WaitAsync(Task pulse, TimeSpan atMost, CancellationToken cancellationToken)
    {
        using var delay = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        await Task.WhenAny(pulse, Task.Delay(atMost, delay.Token));
        delay.Cancel();
        cancellationToken.ThrowIfCancellationRequested();
    }

    private static TaskCompletionSource NewWaiter() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
