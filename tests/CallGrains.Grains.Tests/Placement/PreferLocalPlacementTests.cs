using CallGrains.Hosting;
using CallGrains.Requests;
using CallGrains.Sessions;
using CallGrains.Storage.InMemory;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;
using Orleans.Runtime.Placement;
using Orleans.Storage;
using Orleans.TestingHost;

namespace CallGrains.Grains.Tests.Placement;

/// <summary>
/// On a co-hosted node the API calls grains from inside its silo, so a call's grain should live where its first push
/// arrived. Orleans' own default (resource-optimised, with a margin for the local silo) often places it there too, so
/// this cluster's default is random placement: only the call grain's own strategy can keep it local here.
/// </summary>
public sealed class PreferLocalPlacementTests : IAsyncLifetime
{
    private const int Grains = 40;
    private readonly InProcessTestCluster _cluster;

    public PreferLocalPlacementTests()
    {
        var store = new InMemoryStore();
        var builder = new InProcessTestClusterBuilder(initialSilosCount: 2);
        builder.ConfigureSilo((_, silo) =>
        {
            silo.Services.AddCallGrainsInMemoryStore(store);
            silo.Services.AddKeyedSingleton<IGrainStorage>(BusinessRequestGrain.StorageName, new SwitchableGrainStorage());
            // Registered after Orleans' own default, so it is the one resolved.
            silo.Services.AddSingleton<PlacementStrategy, RandomPlacement>();
        });
        _cluster = builder.Build();
    }

    public Task InitializeAsync() => _cluster.DeployAsync();

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task A_calls_grain_activates_on_the_silo_it_was_first_called_from_where_the_default_placement_spreads_grains()
    {
        var local = _cluster.Silos[0];
        var grains = local.ServiceProvider.GetRequiredService<IGrainFactory>();
        var run = Guid.NewGuid().ToString("N")[..8];

        for (var i = 0; i < Grains; i++)
        {
            await grains.GetCallSession($"{run}-{i}@placement").GetViewAsync();
            await grains.GetGrain<IBusinessRequestGrain>($"{run}-{i}").GetAsync();
        }

        var management = _cluster.Client.GetGrain<IManagementGrain>(0);
        var statistics = await management.GetSimpleGrainStatistics();
        int On(SiloAddress silo, Type grainType) => statistics
            .Where(s => s.SiloAddress.Equals(silo) && s.GrainType.Contains(grainType.Name, StringComparison.Ordinal))
            .Sum(s => s.ActivationCount);
        var other = _cluster.Silos[1].SiloAddress;

        // The control: a grain type without a strategy of its own is spread over both silos here.
        Assert.True(On(other, typeof(BusinessRequestGrain)) > 0, "the cluster's default placement put every request grain locally; the test proves nothing");
        Assert.Equal(Grains, On(local.SiloAddress, typeof(CallSessionGrain)));
        Assert.Equal(0, On(other, typeof(CallSessionGrain)));
    }
}
