using System.Collections.Concurrent;
using Orleans.Storage;

namespace CallGrains.Grains.Tests;

/// <summary>Grain storage in memory that can be made to fail, so that a test sees what a failed state write does to a grain.</summary>
public sealed class SwitchableGrainStorage : IGrainStorage
{
    private readonly ConcurrentDictionary<(string, GrainId), (object State, string ETag)> _states = new();
    private volatile bool _down;

    public void GoDown() => _down = true;

    public void ComeBack() => _down = false;

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        ThrowIfDown();
        if (_states.TryGetValue((stateName, grainId), out var stored))
            (grainState.State, grainState.ETag, grainState.RecordExists) = ((T)stored.State, stored.ETag, true);
        return Task.CompletedTask;
    }

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        ThrowIfDown();
        var etag = Guid.NewGuid().ToString("N");
        _states[(stateName, grainId)] = (grainState.State!, etag);
        (grainState.ETag, grainState.RecordExists) = (etag, true);
        return Task.CompletedTask;
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        ThrowIfDown();
        _states.TryRemove((stateName, grainId), out _);
        (grainState.ETag, grainState.RecordExists) = (null, false);
        return Task.CompletedTask;
    }

    private void ThrowIfDown()
    {
        if (_down) throw new InvalidOperationException("grain storage is down (test)");
    }
}
