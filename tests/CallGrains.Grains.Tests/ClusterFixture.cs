using CallGrains.Domain.Pushes;
using CallGrains.Requests;
using CallGrains.Sessions;
using CallGrains.Storage;
using CallGrains.Storage.InMemory;
using CallGrains.Hosting;
using CallGrains.Tests.Shared;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;
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
    public SwitchableGrainStorage RequestStorage { get; } = new();
    public InProcessTestCluster Cluster { get; }

    public ClusterFixture()
    {
        Journal = new SwitchableJournal(Store);
        var builder = new InProcessTestClusterBuilder(initialSilosCount: 2);
        builder.ConfigureSilo((_, silo) =>
        {
            silo.Services.AddKeyedSingleton<IGrainStorage>(BusinessRequestGrain.StorageName, RequestStorage);
            silo.Services.AddCallGrainsInMemoryStore(Store);
            silo.Services.AddSingleton<IPushJournal>(Journal);
            silo.Services.AddSingleton<IJournalReader>(Journal);
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
        var parsed = PushEnvelope.Parse(System.Text.Encoding.UTF8.GetBytes(body), receivedAt ?? DateTimeOffset.UtcNow);
        Assert.True(parsed.Accepted, parsed.Rejection);
        return await Task.WhenAll(parsed.Items!.Select(item => Client.GetCallSession(item.SessionId).RecordAsync(item)));
    }
}

[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "cluster";
}
