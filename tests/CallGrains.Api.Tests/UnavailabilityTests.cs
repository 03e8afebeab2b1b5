using CallGrains.Api.Operations;
using CallGrains.Storage;

namespace CallGrains.Api.Tests;

/// <summary>Every 503 says which part was missing: a dead silo is not a database outage.</summary>
public sealed class UnavailabilityTests
{
    [Fact]
    public void A_store_failure_names_the_storage_even_when_orleans_wrapped_it()
    {
        var wrapped = new AggregateException(new InvalidOperationException("grain call failed", new StoreUnavailableException("down")));

        Assert.Equal(Unavailability.StoragePart, Unavailability.Of(wrapped)?.Part);
    }

    [Fact]
    public void A_silo_that_died_names_the_cluster_not_the_storage()
    {
        Assert.Equal(Unavailability.ClusterPart, Unavailability.Of(new SiloUnavailableException("silo S127.0.0.1:11111 is dead"))?.Part);
    }

    [Fact]
    public void Orleans_response_timeout_names_the_cluster()
    {
        Assert.Equal(Unavailability.ClusterPart, Unavailability.Of(new TimeoutException("Response did not arrive on time"))?.Part);
    }

    [Fact]
    public void The_request_time_limit_names_the_deadline()
    {
        Assert.Equal(Unavailability.DeadlinePart, Unavailability.Of(new RequestDeadlineException(TimeSpan.FromSeconds(10)))?.Part);
    }

    [Fact]
    public void A_bug_is_not_an_outage()
    {
        Assert.Null(Unavailability.Of(new InvalidOperationException("a bug")));
        Assert.Null(Unavailability.Of(new NullReferenceException()));
    }
}
