using CallGrains.Storage;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;

namespace CallGrains.Grains.Tests;

/// <summary>
/// Whether a store failure was a refusal (a full queue) or a failed commit decides whether a node may spool the push,
/// and the node that decides is often not the silo where the grain failed: the difference must survive Orleans.
/// </summary>
public sealed class StoreFailureTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Whether_the_store_refused_or_failed_survives_serialization_between_silos_and_a_local_copy(bool refused)
    {
        using var services = new ServiceCollection().AddSerializer().BuildServiceProvider();
        var serializer = services.GetRequiredService<Serializer>();
        var failure = new StoreUnavailableException("the store is down (test)") { Refused = refused };

        var sent = Assert.IsType<StoreUnavailableException>(serializer.Deserialize<Exception>(serializer.SerializeToArray<Exception>(failure)));
        var copied = Assert.IsType<StoreUnavailableException>(services.GetRequiredService<DeepCopier>().Copy<Exception>(failure));

        Assert.Equal(refused, sent.Refused);
        Assert.Equal(refused, copied.Refused);
        Assert.Equal(failure.Message, sent.Message);
    }

    [Fact]
    public void A_failure_without_its_driver_detail_still_says_whether_it_was_a_refusal()
    {
        var failure = new StoreUnavailableException("full", new TimeoutException()) { Refused = true };

        Assert.True(failure.WithoutDriverDetail().Refused);
        Assert.Null(failure.WithoutDriverDetail().InnerException);
    }
}
