using CallGrains.Domain.Calls;
using CallGrains.Domain.Pushes;
using static CallGrains.Domain.Tests.Given;

namespace CallGrains.Domain.Tests;

/// <summary>
/// An item that failed a check (a forged or unsigned push under the flag policy) is kept and listed, but decides
/// nothing: not status, outcome, CDR, times, userData, caller, nor which item is a duplicate of which.
/// </summary>
public sealed class QuarantineTests
{
    private const string Forged = RandomCalls.Forged;

    [Fact]
    public void A_forged_cdr_neither_finishes_nor_answers_a_call()
    {
        var callout = Status("callout", $"\"timestamp\":\"2019-01-24 03:04:24\",\"called\":\"{A}\"");
        var alerting = Status("alerting", $"\"timestamp\":\"2019-01-24 03:04:27\",\"called\":\"{A}\"");
        var cdr = Cdr($"\"calleeNum\":\"{A}\",\"callOutAnswerTime\":\"2019-01-24 03:04:31\",\"callEndTime\":\"2019-01-24 03:05:31\",\"serviceType\":\"001\",\"userData\":\"someone-elses-order\"");

        var view = Fold(callout, alerting, cdr with { Flag = Forged });

        Assert.Equal(CallStatus.Ringing, view.Status);
        Assert.False(view.Final);
        Assert.Null(view.Outcome);
        Assert.Null(view.Cdr);
        Assert.Null(view.UserData);
        Assert.Equal(3, view.Version);
        Assert.Equal([new UnverifiedItem("fee", Forged)], view.Unverified);
        Assert.Contains(Forged, view.Problems);
    }

    [Fact]
    public void A_verified_item_is_never_a_duplicate_of_a_forged_copy_that_came_first()
    {
        var answer = Status("answer", $"\"timestamp\":\"2019-01-24 03:04:31\",\"called\":\"{A}\"");

        Assert.NotEqual(KeyOf(answer), KeyOf(answer with { Flag = Forged }));
        var view = Fold(answer with { Flag = Forged }, answer);
        Assert.Equal(CallStatus.Answered, view.Status);
        Assert.Equal(2, view.Version);
        Assert.Single(view.Unverified);
    }

    [Fact]
    public void Forged_items_change_nothing_but_the_version_and_the_list_of_unverified_items()
    {
        for (var seed = 0; seed < 2000; seed++)
        {
            var verified = RandomCalls.Verified(seed);
            var forged = RandomCalls.Verified(seed + 100_000).Select(i => i with { Flag = Forged }).ToList();

            var alone = Fold(verified);
            var mixed = Fold([.. verified, .. forged]);

            Assert.Equal(Json(Believed(alone)), Json(Believed(mixed)));
            Assert.Equal(forged.DistinctBy(KeyOf).Count(), mixed.Unverified.Count);
        }
    }

    /// <summary>What the view says that an item could have decided: without its version, the unverified list and their flags.</summary>
    private static CallView Believed(CallView view) =>
        view with { Version = 0, Unverified = [], Problems = [.. view.Problems.Where(p => p != Forged)] };
}
