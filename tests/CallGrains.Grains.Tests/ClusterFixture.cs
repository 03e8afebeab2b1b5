using CallGrains.Domain.Pushes;
using CallGrains.Requests;
using CallGrains.Sessions;
using CallGrains.Storage;
using CallGrains.Storage.InMemory;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;

namespace CallGrains.Grains.Tests;

/// <summary>
/// One two-silo test cluster for all grain tests. The silos share one in-memory store, as they would share
/// a database; its journal can be made to fail to stand in for a store outage.
/// </summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    public const int MaxCallsPerUserData = 5;

    public InMemoryStore Store { get; } = new();
    public SwitchableJournal Journal { get; }
    public InProcessTestCluster Cluster { get; }

    public ClusterFixture()
    {
        Journal = new SwitchableJournal(Store);
        var builder = new InProcessTestClusterBuilder(initialSilosCount: 2);
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddMemoryGrainStorage(BusinessRequestGrain.StorageName);
            silo.Services.AddSingleton(Store);
            silo.Services.AddSingleton<IPushJournal>(Journal);
            silo.Services.AddSingleton<ICallsProjection>(Store);
            silo.Services.AddSingleton<IRequestsProjection>(Store);
            // A small cap, so that the limit's test needs only a handful of calls.
            silo.Services.Configure<RequestLimits>(l => l.MaxCallsPerUserData = MaxCallsPerUserData);
        });
        Cluster = builder.Build();
    }

    public IClusterClient Client => Cluster.Client;

    public Task InitializeAsync() => Cluster.DeployAsync();

    public async Task DisposeAsync() => await Cluster.DisposeAsync();

    /// <summary>Sends a whole push body the way the API does: split into items, one grain call per item.</summary>
    public async Task<IReadOnlyList<RecordResult>> PushAsync(string body, DateTimeOffset? receivedAt = null)
    {
        var parsed = PushEnvelope.Parse(System.Text.Encoding.UTF8.GetBytes(body));
        Assert.True(parsed.Accepted, parsed.Rejection);
        var at = receivedAt ?? DateTimeOffset.UtcNow;
        return await Task.WhenAll(parsed.Items!.Select(item =>
            Client.GetCallSession(item.SessionId).RecordAsync(new IncomingItem(item.EventType, item.Body, at))));
    }
}

[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "cluster";
}

/// <summary>A journal that can be switched off, so a test sees what a store outage does to a grain.</summary>
public sealed class SwitchableJournal(IPushJournal inner) : IPushJournal
{
    private volatile bool _down;

    public void GoDown() => _down = true;

    public void ComeBack() => _down = false;

    public Task AppendAsync(JournalEntry entry, CallRow call, CancellationToken cancellationToken = default) =>
        _down ? throw new StoreUnavailableException("journal is down (test)") : inner.AppendAsync(entry, call, cancellationToken);

    public Task<IReadOnlyList<JournalEntry>> ReadSessionAsync(string sessionId, CancellationToken cancellationToken = default) =>
        _down ? throw new StoreUnavailableException("journal is down (test)") : inner.ReadSessionAsync(sessionId, cancellationToken);
}
