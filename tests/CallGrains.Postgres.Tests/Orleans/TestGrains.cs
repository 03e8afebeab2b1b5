namespace CallGrains.Postgres.Tests.Orleans;

/// <summary>A grain that exposes its persistent state's value, ETag and RecordExists, to watch the storage queries.</summary>
public interface IProbe : IGrainWithStringKey
{
    Task SetAsync(string value);

    Task<ProbeSnapshot> GetAsync();

    Task ClearAsync();
}

/// <summary>A probe on the "requests" storage, which keeps a cleared row (ClearStorageKey).</summary>
public interface IKeepingProbeGrain : IProbe;

/// <summary>A probe on a storage with DeleteStateOnClear, which removes a cleared row (DeleteStorageKey).</summary>
public interface IDeletingProbeGrain : IProbe;

/// <param name="Activation">Differs between activations, to prove a read came after a reactivation.</param>
[GenerateSerializer, Immutable, Alias("callgrains.tests.probe-snapshot")]
public sealed record ProbeSnapshot(
    [property: Id(0)] string? Value,
    [property: Id(1)] string? ETag,
    [property: Id(2)] bool RecordExists,
    [property: Id(3)] Guid Activation);

[GenerateSerializer, Alias("callgrains.tests.probe-state")]
public sealed class ProbeState
{
    [Id(0)] public string? Value { get; set; }
}

public abstract class ProbeGrain(IPersistentState<ProbeState> state) : Grain, IProbe
{
    private readonly Guid _activation = Guid.NewGuid();

    public async Task SetAsync(string value)
    {
        state.State.Value = value;
        await state.WriteStateAsync();
    }

    public Task<ProbeSnapshot> GetAsync() => Task.FromResult(new ProbeSnapshot(state.State.Value, state.Etag, state.RecordExists, _activation));

    public Task ClearAsync() => state.ClearStateAsync();
}

// Each class has its own state name: the ADO.NET storage key ignores the grain class.
public sealed class KeepingProbeGrain(
    [PersistentState(KeepingProbeGrain.StateName, KeepingProbeGrain.StorageName)] IPersistentState<ProbeState> state)
    : ProbeGrain(state), IKeepingProbeGrain
{
    public const string StateName = "keepingProbe";
    // Orleans' default clear (the row stays, with a null payload); the requests' storage deletes the row instead.
    public const string StorageName = "keeping";
}

public sealed class DeletingProbeGrain(
    [PersistentState(DeletingProbeGrain.StateName, DeletingProbeGrain.StorageName)] IPersistentState<ProbeState> state)
    : ProbeGrain(state), IDeletingProbeGrain
{
    public const string StateName = "deletingProbe";
    public const string StorageName = "deleting";
}

/// <summary>Counts the ticks of one reminder, to see the ADO.NET reminder table drive a real reminder.</summary>
public interface IReminderProbeGrain : IGrainWithStringKey
{
    Task StartAsync(TimeSpan dueTime, TimeSpan period);

    Task<int> GetTicksAsync();

    Task StopAsync();
}

public sealed class ReminderProbeGrain : Grain, IReminderProbeGrain, IRemindable
{
    public const string ReminderName = "tick";

    private int _ticks;

    public Task StartAsync(TimeSpan dueTime, TimeSpan period) => this.RegisterOrUpdateReminder(ReminderName, dueTime, period);

    public Task<int> GetTicksAsync() => Task.FromResult(_ticks);

    public async Task StopAsync()
    {
        if (await this.GetReminder(ReminderName) is { } reminder) await this.UnregisterReminder(reminder);
    }

    public Task ReceiveReminder(string reminderName, TickStatus status)
    {
        _ticks++;
        return Task.CompletedTask;
    }
}
