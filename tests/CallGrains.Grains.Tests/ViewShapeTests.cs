using CallGrains.Domain.Calls;
using CallGrains.Sessions;

namespace CallGrains.Grains.Tests;

/// <summary>
/// Whether an item changed a view is read from the view's one serialization: everything but its version and time.
/// </summary>
public sealed class ViewShapeTests
{
    private static readonly CallView Ringing = new(
        "s-1", CallScenario.Callback, CallStatus.Ringing, false, null,
        [new CallLeg("+8613800000021", DateTimeOffset.UnixEpoch, null, null, null, null)],
        null, [], null, null, "order-1", null, null, [], 2, DateTimeOffset.UnixEpoch, "+8613800000001");

    [Fact]
    public void A_new_version_and_time_alone_do_not_change_the_shape()
    {
        var later = Ringing with { Version = 3, UpdatedAt = DateTimeOffset.UnixEpoch.AddMinutes(1) };

        Assert.Equal(Shape(Ringing), Shape(later));
        Assert.Equal(Shape(Ringing), Shape(Ringing with { UpdatedAt = null }));
    }

    [Fact]
    public void Any_other_field_changes_the_shape()
    {
        Assert.NotEqual(Shape(Ringing), Shape(Ringing with { Caller = "+8613800000002" }));
        Assert.NotEqual(Shape(Ringing), Shape(Ringing with { Problems = ["a problem"] }));
        Assert.NotEqual(Shape(Ringing), Shape(Ringing with { Capped = true }));
        Assert.NotEqual(Shape(Ringing), Shape(Ringing with { Status = CallStatus.Answered }));
    }

    [Fact]
    public void A_cdr_field_or_problem_that_looks_like_the_version_does_not_hide_a_change()
    {
        var cdr = SampleCdr() with { Extra = new SortedDictionary<string, string>(StringComparer.Ordinal) { ["version"] = "1" } };
        var withCdr = Ringing with { Cdr = cdr, Problems = [",\"version\":1,\"caller\":"] };

        Assert.NotEqual(Shape(withCdr), Shape(withCdr with { Caller = "+8613800000002" }));
        Assert.NotEqual(Shape(withCdr), Shape(withCdr with { Cdr = cdr with { Extra = null } }));
        Assert.Equal(Shape(withCdr), Shape(withCdr with { Version = 9 }));
    }

    [Fact]
    public void The_shape_is_taken_from_the_bytes_the_projection_stores()
    {
        var json = ViewJson.Of(Ringing).ToString();

        Assert.Equal(System.Text.Json.JsonSerializer.Serialize(Ringing, CallJson.Options), json);
        Assert.Contains("\"version\":2,\"updatedAt\":", json);
    }

    private static ulong Shape(CallView view) => ViewShape.Of(ViewJson.Of(view));

    private static CdrView SampleCdr() => new(
        0, null, null, null, null, null, "+8613800000021", null, null, null, null, null, null, null, null, null, null,
        null, null, null, null, null, null, null, null, null, null, null, null, null, null, "002", null, null, null);
}
